/**
 * The parts a real node runs, in start order. Each feature module exports one PartFactory.
 */
import type { PartFactory } from './part';
import { gossipPartFactory } from './gossip/gossip-part';
import { mirrorPart } from './mirror/mirror-part';
import { readingPartFactory } from './reading/reading-part';
import { nntpPartFactory } from './nntp/nntp-part';
import { webPart } from '../web/part';

// mirror and nntp run after gossip (they use service.peers) and before the web pages; reading samples service.peers.
export const defaultParts: PartFactory[] = [gossipPartFactory, mirrorPart, nntpPartFactory, readingPartFactory, webPart];
