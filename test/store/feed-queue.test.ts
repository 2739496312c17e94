/**
 * The feed's queues on real LevelDB: the feed hook puts an accepted article's queue rows in
 * the article's own batch and tells the router after the commit; answered rows leave through
 * the ingest's plain write; past --max-queue a link's queue drops its oldest rows not yet taken
 * (counted), never one that is on its way to the peer.
 */
import { systemClock } from '../../node/clock';
import { feedHook } from '../../node/feed/feed-hook';
import { FeedQueues, type QueueEntry } from '../../node/feed/feed-queues';
import { OutboundQueue } from '../../node/feed/outbound-queue';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { checkStore } from '../../node/store/check';
import { key } from '../../node/store/keys';
import { Store } from '../../node/store/store';
import { makeArticle } from '../helpers/node';
import { tempDir } from '../helpers/tmp';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let ingest: Ingest;

beforeEach(async () => {
  tmp = tempDir('newsmesh-feed-');
  store = await Store.open(tmp.dir);
  ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 65536 });
  await ingest.start();
});

afterEach(async () => {
  jest.restoreAllMocks();
  await ingest.flushed();
  await store.close();
  tmp.cleanup();
});

const INIT = { idsPerTake: 5, tailMax: 1000, laterDelayMs: 1000, laterMaxMs: 8000 };

async function rowsOf(peer: string): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of store.subs.queues.iterator()) if (k.startsWith(`${peer}\x00`)) out.push(v.id);
  return out;
}

describe('the feed hook', () => {
  it("writes the queue rows in the accepted article's own batch and hands each peer's entries over after it", async () => {
    const queues = new FeedQueues(store, (ops) => ingest.write(ops));
    const handed: [string, string[]][] = [];
    let queuedIds: string[] = [];
    ingest.addHook(
      feedHook(queues, {
        targets: (article, origin) => ['p', 'q', 'sender'].filter((peer) => peer !== (origin.kind === 'peer' ? origin.peer : '') && !(peer === 'q' && article.subject === 'not for q')),
        committed: (_accepted, queued, perPeer) => {
          queuedIds = [...queued];
          for (const [peer, entries] of perPeer) handed.push([peer, entries.map((e) => e.id)]);
        },
      }),
    );
    const sizes: number[] = [];
    const batch = store.batch.bind(store);
    jest.spyOn(store, 'batch').mockImplementation(async (ops) => {
      sizes.push(ops.length);
      return batch(ops);
    });
    await ingest.submit([makeArticle({ id: '<q1@x>' }), makeArticle({ id: '<q2@x>', subject: 'not for q' })], { kind: 'peer', peer: 'sender' });
    // One batch: 2 x (article, index, history, thread, member) + group + counters + 3 queue rows.
    expect(sizes).toEqual([15]);
    expect(await rowsOf('p')).toEqual(['<q1@x>', '<q2@x>']);
    expect(await rowsOf('q')).toEqual(['<q1@x>']);
    expect(await rowsOf('sender')).toEqual([]);
    expect(handed).toEqual([
      ['p', ['<q1@x>', '<q2@x>']],
      ['q', ['<q1@x>']],
    ]);
    expect(queuedIds).toEqual(['<q1@x>', '<q2@x>']);
    // Keys are peer NUL seq, so they run in acceptance order and name the article's seq.
    expect((await queues.read('p', undefined, 10)).map((e) => e.key)).toEqual([key('p', 1), key('p', 2)]);
    // Answered rows go with the next commit.
    queues.delete([key('p', 1)]);
    await queues.flushed();
    expect(await rowsOf('p')).toEqual(['<q2@x>']);
    expect((await checkStore(store)).problems.filter((p) => !/belongs to no known peer/.test(p))).toEqual([]);
  });
});

describe('--max-queue', () => {
  it('drops the oldest rows not yet taken, counts them, and never drops a row on its way to the peer', async () => {
    const queues = new FeedQueues(store, (ops) => ingest.write(ops), 20);
    const q = new OutboundQueue({ queues }, INIT, 'p');
    const append = async (from: number, to: number) => {
      const entries: QueueEntry[] = [];
      const ops = [];
      for (let seq = from; seq <= to; seq++) {
        const row = queues.row('p', seq, `<id${seq}@x>`, 1000 + seq);
        ops.push(row.op);
        entries.push(row.entry);
      }
      await store.batch(ops);
      q.appended(entries);
    };
    await append(1, 10);
    const inFlight = await q.take(0);
    expect(inFlight.map((e) => e.id)).toEqual(['<id1@x>', '<id2@x>', '<id3@x>', '<id4@x>', '<id5@x>']);
    await append(11, 30);
    // 30 > 20: down to a tenth under the cap (18), from the oldest rows past what was taken.
    const next = await q.take(0);
    expect(q.dropped).toBe(12);
    expect(q.backlog).toBe(18);
    expect(next.map((e) => e.id)).toEqual(['<id18@x>', '<id19@x>', '<id20@x>', '<id21@x>', '<id22@x>']);
    q.done(inFlight.map((e) => e.key));
    await queues.flushed();
    expect(q.backlog).toBe(13);
    const left = await rowsOf('p');
    expect(left).toEqual(Array.from({ length: 13 }, (_, i) => `<id${i + 18}@x>`));
    // A restarted link reads what is left from the head: nothing dropped comes back.
    q.reset();
    expect((await q.take(0)).map((e) => e.id)).toEqual(['<id18@x>', '<id19@x>', '<id20@x>', '<id21@x>', '<id22@x>']);
  });

  it('counts queues at start by keys, dropping the rows of peers no longer known', async () => {
    const queues = new FeedQueues(store, (ops) => ingest.write(ops));
    await store.batch([queues.row('p', 1, '<a@x>', 1).op, queues.row('p', 2, '<b@x>', 2).op, queues.row('gone', 3, '<c@x>', 3).op]);
    expect(await queues.counts((peer) => peer === 'p')).toEqual(new Map([['p', 2]]));
    expect(await rowsOf('gone')).toEqual([]);
    expect(await queues.oldestAt('p')).toBe(1);
    await queues.clear('p');
    expect(await queues.hasEntries('p')).toBe(false);
  });
});
