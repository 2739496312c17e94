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
import { takedownPart } from './takedown/takedown-part';

// Built in this order, each seeing the features of those before it: nntp needs gossip's peers at
// once; mirror and reading look peers up when asked; the web pages come last. Takedown starts
// first: its block rules and pending cancels are loaded before gossip and mirror jobs run.
export const defaultParts: PartFactory[] = [takedownPart, gossipPartFactory, mirrorPart, nntpPartFactory, readingPartFactory, historyExpiryPart, webPart];
