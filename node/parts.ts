/**
 * The parts a real node runs, in start order. Each feature module exports one PartFactory.
 */
import type { PartFactory } from './part';
import { gossipPartFactory } from './gossip/gossip-part';
import { mirrorPart } from './mirror/mirror-part';
import { readingPartFactory } from './reading/reading-part';
import { webPart } from '../web/part';

// mirror runs after gossip (it uses service.peers) and before the web pages; reading samples service.peers.
export const defaultParts: PartFactory[] = [gossipPartFactory, mirrorPart, readingPartFactory, webPart];
