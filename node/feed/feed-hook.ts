/**
 * The feed's commit hook (node/ingest/commit-hook.ts): for each article the ingest accepts it
 * asks the router which peers' queues the article goes into and adds those rows to the
 * article's own commit, so an acknowledged article is never accepted without its queue rows;
 * once the commit is on disk it hands the router what was accepted and each peer's new
 * entries, in key order (the links take note and send).
 */
import type { Article } from '../../protocol/article';
import type { AcceptedEvent, CommitHook } from '../ingest/commit-hook';
import type { Origin } from '../ingest/origin';
import type { FeedQueues, QueueEntry } from './feed-queues';

export interface FeedRouter {
  /** The peers whose queue an accepted article goes into (prepare time: synchronous). */
  targets(article: Article, origin: Origin): string[];
  /** After the commit: what it accepted, which of those ids were queued, and each peer's new entries. */
  committed(accepted: AcceptedEvent[], queued: ReadonlySet<string>, perPeer: ReadonlyMap<string, QueueEntry[]>): void;
}

export function feedHook(queues: FeedQueues, router: FeedRouter): CommitHook {
  return {
    name: 'feed',
    begin: () => {
      const perPeer = new Map<string, QueueEntry[]>();
      const queued = new Set<string>();
      return {
        accepted: (e, ops) => {
          const targets = router.targets(e.article, e.origin);
          if (targets.length === 0) return;
          queued.add(e.article.id);
          for (const peer of targets) {
            const { op, entry } = queues.row(peer, e.seq, e.article.id, e.at);
            ops.push(op);
            let list = perPeer.get(peer);
            if (!list) perPeer.set(peer, (list = []));
            list.push(entry);
          }
        },
        committed: (o) => {
          if (o.accepted.length > 0) router.committed(o.accepted, queued, perPeer);
        },
      };
    },
  };
}
