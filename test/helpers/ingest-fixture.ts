/**
 * A store in a temp directory with a started ingest on a manual clock, for the test/store
 * suites that drive the writer directly (history expiry, removals). close() lets the writer
 * finish, closes the store and removes the directory.
 */
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { Store } from '../../node/store/store';
import { ManualClock } from './manual-clock';
import { tempDir } from './tmp';

export interface IngestFixture {
  store: Store;
  ingest: Ingest;
  clock: ManualClock;
  close(): Promise<void>;
}

export async function openIngestFixture(prefix: string, start = Date.UTC(2030, 0, 1)): Promise<IngestFixture> {
  const tmp = tempDir(prefix);
  const store = await Store.open(tmp.dir);
  const clock = new ManualClock(start);
  const ingest = new Ingest({ store, clock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 65536 });
  await ingest.start();
  return {
    store,
    ingest,
    clock,
    close: async () => {
      await ingest.flushed();
      await store.close();
      tmp.cleanup();
    },
  };
}
