/**
 * Where an article came from. Routing uses it (never offer back to the sender) and stats
 * count by it.
 */
import type { Article } from '../../protocol/article';

export type Origin =
  | { kind: 'local' }
  | { kind: 'peer'; peer: string }
  | { kind: 'mirror'; peer: string }
  | { kind: 'import' };

/** Decides which peers' outbound queues an accepted article goes into (gossip implements it). */
export interface FeedRouter {
  targets(article: Article, origin: Origin): string[];
}

/** Told after each committed batch, with the articles it accepted. */
export interface AcceptedEvent {
  article: Article;
  seq: number;
  origin: Origin;
  targets: string[];
}

export const peerOf = (o: Origin): string | undefined => (o.kind === 'peer' || o.kind === 'mirror' ? o.peer : undefined);
