/**
 * `newsmesh check --reindex`: rebuilds the search index and the thread overview cache of a
 * stopped node's store from its articles, and saves the index with its cursors, so the next
 * start serves search at once. Memory: the index itself (it lives in memory when the node runs).
 */
import { systemClock } from '../clock';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import { Indexer } from './indexer';
import { SearchIndex } from './search-index';

export async function rebuildSearchIndex(store: Store, logger: Logger): Promise<{ docs: number }> {
  // The overview rows are a cache: dropping them makes every thread view rebuild what it reads.
  await store.subs.threadOverview.clear();
  const index = new SearchIndex();
  const indexer = new Indexer({ store, clock: systemClock, logger }, index);
  indexer.reset();
  indexer.ready = true;
  await indexer.catchUp();
  await indexer.save();
  return { docs: index.size };
}
