/**
 * The engine's router: which peers' queues an accepted article goes into (the feed hook asks
 * inside each commit, node/feed/feed-hook.ts), and, once the commit is on disk, who hears of
 * it: the receiver (its in-flight marks end), the body cache (bodies that will be sent), and
 * each link that got new queue entries. Never to the sender, to a name in `path`, to a peer
 * known to hold the id already, or past a peer's group filter.
 */
import type { Article } from '../../protocol/article';
import type { AcceptedEvent } from '../ingest/commit-hook';
import type { Origin } from '../ingest/origin';
import { peerOf } from '../ingest/origin';
import type { FeedRouter } from '../feed/feed-hook';
import type { QueueEntry } from '../feed/feed-queues';
import type { BodyCache } from './body-cache';
import type { KnownHaves } from './known-haves';
import type { LinkRegistry } from './link-registry';
import { isActive } from './peer-record';
import type { PeerTable } from './peer-table';
import type { Receiver } from './receiver';

export interface GossipRouterComponents {
  table: PeerTable;
  haves: KnownHaves;
  bodies: BodyCache;
  receiver: Receiver;
  links: LinkRegistry;
}

export class GossipRouter implements FeedRouter {
  constructor(private readonly r: GossipRouterComponents) {}

  targets(article: Article, origin: Origin): string[] {
    const from = peerOf(origin);
    const out: string[] = [];
    for (const rec of this.r.table.all()) {
      if (!isActive(rec) || rec.name === from || article.path.includes(rec.name)) continue;
      if (this.r.haves.has(rec.name, article.id)) continue;
      if (!this.r.table.filterAllows(rec.name, article.newsgroups)) continue;
      out.push(rec.name);
    }
    return out;
  }

  committed(accepted: AcceptedEvent[], queued: ReadonlySet<string>, perPeer: ReadonlyMap<string, QueueEntry[]>): void {
    for (const e of accepted) {
      this.r.receiver.noteAccepted(e.article.id);
      if (queued.has(e.article.id)) this.r.bodies.set(e.article.id, JSON.stringify(e.article));
    }
    for (const [peer, entries] of perPeer) this.r.links.get(peer)?.appended(entries);
  }
}
