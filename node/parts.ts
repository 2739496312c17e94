/**
 * The parts a real node runs, in start order. Each feature module exports one PartFactory.
 */
import type { PartFactory } from './part';
import { gossipPartFactory } from './gossip/gossip-part';
import { mirrorPart } from './mirror/mirror-part';
import { readingPartFactory } from './reading/reading-part';
import { nntpPartFactory } from './nntp/nntp-part';
import { webPart } from '../web/part';
import { historyExpiryPart } from './ingest/history-expiry';

// Built in this order, each seeing the features of those before it: nntp needs gossip's peers at
// once; mirror and reading look peers up when asked; the web pages come last.
export const defaultParts: PartFactory[] = [gossipPartFactory, mirrorPart, nntpPartFactory, readingPartFactory, historyExpiryPart, webPart];
