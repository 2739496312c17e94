/**
 * The ingest's bounds on real LevelDB: backpressure (past `maxWaiting` articles, submitters
 * wait instead of the queue growing; the owner's post waits a bounded time, then gets a 503),
 * and the groups a node carries (new groups must match --accept-groups, at most --max-groups).
 */
import { isNmError } from '../../node/errors';
import { Ingest, type IngestInit } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { checkStore } from '../../node/store/check';
import { Store } from '../../node/store/store';
import { ManualClock } from '../helpers/manual-clock';
import { makeArticle } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { waitFor, within } from '../helpers/wait';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let clock: ManualClock;

beforeEach(async () => {
  tmp = tempDir('newsmesh-limits-');
  store = await Store.open(tmp.dir);
  clock = new ManualClock();
});

afterEach(async () => {
  jest.restoreAllMocks();
  await store.close();
  tmp.cleanup();
});

async function open(init: Partial<IngestInit>): Promise<Ingest> {
  const ingest = new Ingest({ store, clock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 65536, ...init });
  await ingest.start();
  return ingest;
}

const batchOf = (n: number, tag: string, group = 'test.a') => Array.from({ length: n }, (_, i) => makeArticle({ id: `<${tag}.${i}@x>`, newsgroups: [group], date: new Date(clock.now()).toISOString() }));

describe('backpressure', () => {
  it('makes submitters wait past maxWaiting articles, and answers a local post that finds no room in time with a 503', async () => {
    const ingest = await open({ maxWaiting: 10, maxCommit: 5, localWaitMs: 5_000 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const batch = store.batch.bind(store);
    let calls = 0;
    jest.spyOn(store, 'batch').mockImplementation(async (ops) => {
      if (++calls === 1) await gate; // the writer is stuck on its first commit
      return batch(ops);
    });
    const first = ingest.submit(batchOf(1, 'first'), { kind: 'local' });
    const peers = Array.from({ length: 5 }, (_, i) => ingest.submit(batchOf(4, `peer${i}`), { kind: 'peer', peer: `p${i}` }));
    // Two submissions (8 articles) are in; three wait outside instead of growing the queue.
    expect(ingest.waiting).toBe(8);
    let localAnswer: unknown;
    const local = ingest.submit(batchOf(1, 'owner'), { kind: 'local' }).then(
      (r) => (localAnswer = r),
      (e: unknown) => (localAnswer = e),
    );
    clock.advance(4_999);
    await new Promise((r) => setImmediate(r));
    expect(localAnswer).toBeUndefined();
    clock.advance(1);
    await local;
    expect(isNmError(localAnswer) && localAnswer.code).toBe('NM_ERR_UNAVAILABLE');
    expect((localAnswer as Error).message).toMatch(/the node is busy: 8 articles are waiting to be written/);
    expect(ingest.waiting).toBe(8);
    // Peers wait as long as it takes: once the writer moves, everyone gets in and is written.
    release();
    const results = await within('every waiting submitter is answered', 5_000, Promise.all([first, ...peers]));
    expect(results.flat().every((r) => r.status === 'accepted')).toBe(true);
    await ingest.flushed();
    expect(ingest.waiting).toBe(0);
    expect((await store.group('test.a'))?.count).toBe(21);
    expect((await checkStore(store)).problems).toEqual([]);
  });

  it('lets a submission larger than the whole room in alone rather than never', async () => {
    const ingest = await open({ maxWaiting: 10 });
    const results = await within('a big import', 5_000, ingest.submit(batchOf(25, 'big'), { kind: 'import' }));
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
  });
});

describe('the groups a node carries', () => {
  it('takes new groups only where --accept-groups matches, and no more than --max-groups', async () => {
    const ingest = await open({ acceptGroups: 'comp.*,!comp.test.*', maxGroups: 3 });
    const one = async (id: string, newsgroups: string[], origin: Parameters<Ingest['submit']>[1] = { kind: 'peer', peer: 'p' }) =>
      (await ingest.submit([makeArticle({ id, newsgroups, date: new Date(clock.now()).toISOString() })], origin))[0];
    expect(await one('<a@x>', ['comp.a'])).toMatchObject({ status: 'accepted' });
    expect(await one('<b@x>', ['misc.b'])).toEqual({ id: '<b@x>', status: 'rejected', reason: 'newsgroups: this node does not carry misc.b (new groups must match --accept-groups comp.*,!comp.test.*)' });
    expect(await one('<t@x>', ['comp.test.x'], { kind: 'local' })).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/does not carry comp\.test\.x/) });
    // A crosspost is taken whole or not at all.
    expect(await one('<x@x>', ['comp.a', 'misc.c'], { kind: 'import' })).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/misc\.c/) });
    expect(await one('<c@x>', ['comp.b', 'comp.c'], { kind: 'mirror', peer: 'm' })).toMatchObject({ status: 'accepted' });
    expect(await one('<d@x>', ['comp.d'])).toEqual({
      id: '<d@x>',
      status: 'rejected',
      reason: 'newsgroups: this node carries 3 groups, its limit (--max-groups 3); the new group comp.d is refused',
    });
    // Groups it carries keep taking articles; the refused ids left no trace.
    expect(await one('<e@x>', ['comp.a', 'comp.c'])).toMatchObject({ status: 'accepted' });
    expect((await store.listGroups()).map((g) => g.name)).toEqual(['comp.a', 'comp.b', 'comp.c']);
    expect((await store.history(['<b@x>', '<d@x>'])).every((h) => h === undefined)).toBe(true);
    // Counting the groups of one commit together: two new groups past the limit in one batch.
    const tight = await open({ maxGroups: 4 });
    const r = await tight.submit([makeArticle({ id: '<f@x>', newsgroups: ['comp.f'] }), makeArticle({ id: '<g@x>', newsgroups: ['comp.g'] })], { kind: 'import' });
    expect(r.map((x) => x.status)).toEqual(['accepted', 'rejected']);
    await waitFor('the writer is idle', async () => (await tight.flushed(), true));
    expect((await checkStore(store)).problems).toEqual([]);
  });
});
