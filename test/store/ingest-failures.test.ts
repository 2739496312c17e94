/**
 * No failure of the group-commit writer is lost (real LevelDB, failures injected around it): a
 * failing batch, a commit prepared on top of one, a hook or veto that throws while a commit is
 * prepared, a listener that throws after it, and a reload of the writer's state that fails.
 * Each time every waiting submitter is answered (a rejection with the reason), nothing
 * half-written stays, numbering stays dense, and the writer goes on taking articles.
 */
import { systemClock } from '../../node/clock';
import { isNmError } from '../../node/errors';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { checkStore } from '../../node/store/check';
import { Store } from '../../node/store/store';
import { makeArticle } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { within } from '../helpers/wait';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let ingest: Ingest;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

beforeEach(async () => {
  unhandled.length = 0;
  tmp = tempDir('newsmesh-fail-');
  store = await Store.open(tmp.dir);
  ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 65536 });
  await ingest.start();
});

afterEach(async () => {
  jest.restoreAllMocks();
  await within('the writer settles', 5_000, ingest.flushed());
  await store.close();
  tmp.cleanup();
  expect(unhandled).toEqual([]);
});

const local = { kind: 'local' } as const;
const post = (id: string, group = 'test.a') => within(`the answer for ${id}`, 5_000, ingest.submit([makeArticle({ id, newsgroups: [group] })], local));

/** Every outcome of a promise, without letting a rejection escape. */
const settle = <T>(p: Promise<T>) => within('an answer', 5_000, p.then((value) => ({ value }), (error: unknown) => ({ error: error as Error })));

async function expectDense(ids: string[]): Promise<void> {
  const index = await store.groupIndex('test.a', 0, 100);
  expect(index.map((e) => [e.n, e.id])).toEqual(ids.map((id, i) => [i + 1, id]));
  expect(await store.counters()).toMatchObject({ articles: ids.length, seq: ids.length });
  expect(ingest.totals()).toMatchObject({ articles: ids.length, seq: ids.length });
  expect((await checkStore(store)).problems).toEqual([]);
}

it('a failing batch rejects its commit and the one prepared on top of it, with the reason; the next commit is numbered as if they never were', async () => {
  // One article per commit, so a commit is prepared (numbered on top of the one before) while that one is written.
  ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 65536, maxCommit: 1 });
  await ingest.start();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const batch = store.batch.bind(store);
  let calls = 0;
  jest.spyOn(store, 'batch').mockImplementation(async (ops) => {
    calls++;
    if (calls === 1) await gate;
    if (calls === 2) throw new Error('IO error: No space left on device');
    return batch(ops);
  });
  const failed: string[] = [];
  ingest.addHook({ name: 'watch', begin: () => ({ failed: (e) => failed.push(e.message) }) });
  const first = settle(ingest.submit([makeArticle({ id: '<f1@x>' })], local));
  // These two wait while the first is held; the third is prepared while the second is written.
  const second = settle(ingest.submit([makeArticle({ id: '<f2@x>', newsgroups: ['test.a', 'test.new'] })], local));
  const third = settle(ingest.submit([makeArticle({ id: '<f3@x>' })], local));
  release();
  const [a, b, c] = await Promise.all([first, second, third]);
  expect('value' in a && a.value[0].status).toBe('accepted');
  expect('error' in b && isNmError(b.error) && b.error.code).toBe('NM_ERR_UNAVAILABLE');
  expect('error' in b && b.error.message).toMatch(/storage: cannot write \(IO error: No space left on device\)/);
  expect('error' in c && c.error.message).toMatch(/a commit it was built on failed/);
  expect(failed).toHaveLength(2);
  expect(await store.group('test.new')).toBeUndefined();
  await post('<f4@x>');
  await expectDense(['<f1@x>', '<f4@x>']);
  // The refused ones are not remembered: sent again, they are taken.
  await post('<f3@x>');
  await expectDense(['<f1@x>', '<f4@x>', '<f3@x>']);
});

it('a hook that throws while a commit is prepared refuses that commit only', async () => {
  let throwing = false;
  ingest.addHook({
    name: 'fragile',
    begin: () => ({
      accepted: () => {
        if (throwing) throw new Error('boom');
      },
    }),
  });
  await post('<ok1@x>');
  throwing = true;
  const both = await Promise.all([settle(ingest.submit([makeArticle({ id: '<h1@x>' })], local)), settle(ingest.submit([makeArticle({ id: '<h2@x>' })], { kind: 'import' }))]);
  for (const r of both) expect('error' in r && r.error.message).toMatch(/commit refused: boom/);
  throwing = false;
  await post('<ok2@x>');
  await expectDense(['<ok1@x>', '<ok2@x>']);
  expect(await store.getStored('<h1@x>')).toBeUndefined();
});

it('a read that fails while a commit is prepared refuses that commit; the next one reloads and goes on', async () => {
  await post('<p1@x>');
  jest.spyOn(store, 'historySync').mockImplementationOnce(() => {
    throw new Error('read failed');
  });
  const r = await settle(ingest.submit([makeArticle({ id: '<p2@x>' }), makeArticle({ id: '<p3@x>', newsgroups: ['test.c'] })], { kind: 'import' }));
  expect('error' in r && r.error.message).toMatch(/read failed/);
  await post('<p4@x>');
  await expectDense(['<p1@x>', '<p4@x>']);
});

it('a veto that throws refuses the commit; the writer goes on', async () => {
  let throwing = false;
  ingest.addHook({
    name: 'veto',
    vet: () => {
      if (throwing) throw new Error('veto broke');
      return null;
    },
  });
  await post('<v1@x>');
  throwing = true;
  const r = await settle(ingest.submit([makeArticle({ id: '<v2@x>' })], local));
  expect('error' in r && r.error.message).toMatch(/veto broke/);
  throwing = false;
  await post('<v3@x>');
  await expectDense(['<v1@x>', '<v3@x>']);
});

it('a write whose builder throws is refused alone; the articles beside it are written', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const batch = store.batch.bind(store);
  let calls = 0;
  jest.spyOn(store, 'batch').mockImplementation(async (ops) => {
    if (++calls === 1) await gate;
    return batch(ops);
  });
  const first = post('<w0@x>');
  await new Promise((r) => setImmediate(r));
  const broken = settle(
    ingest.write(() => {
      throw new Error('builder broke');
    }),
  );
  const beside = post('<w1@x>');
  release();
  const [, b, c] = await Promise.all([first, broken, beside]);
  expect('error' in b && b.error.message).toBe('write refused: builder broke');
  expect(c[0].status).toBe('accepted');
  expect(calls).toBe(2); // the broken write shared the second commit with <w1@x>
  await expectDense(['<w0@x>', '<w1@x>']);
});

it('a listener that throws after the commit changes nothing: the submitter has its answer, the others are told', async () => {
  const told: string[] = [];
  ingest.onAccepted(() => {
    throw new Error('listener broke');
  });
  ingest.onAccepted((events) => told.push(...events.map((e) => e.article.id)));
  expect((await post('<l1@x>'))[0].status).toBe('accepted');
  expect((await post('<l2@x>'))[0].status).toBe('accepted');
  expect(told).toEqual(['<l1@x>', '<l2@x>']);
  await expectDense(['<l1@x>', '<l2@x>']);
});

it('a reload that fails after a failed write is tried again before the next commit, so numbers never skip', async () => {
  await post('<r1@x>');
  const batch = jest.spyOn(store, 'batch').mockRejectedValueOnce(new Error('disk full'));
  const counters = jest.spyOn(store, 'counters').mockRejectedValueOnce(new Error('read error')).mockRejectedValueOnce(new Error('read error again'));
  const lost = await settle(ingest.submit([makeArticle({ id: '<r2@x>', newsgroups: ['test.a', 'test.b'] })], local));
  expect('error' in lost && lost.error.message).toMatch(/disk full/);
  // The state could not be read back: the next commit reloads first; failing again, it says why.
  const next = await settle(ingest.submit([makeArticle({ id: '<r3@x>' })], local));
  expect('error' in next && isNmError(next.error) && next.error.code).toBe('NM_ERR_UNAVAILABLE');
  expect('error' in next && next.error.message).toMatch(/cannot read the writer's state back \(read error again\)/);
  batch.mockRestore();
  counters.mockRestore();
  await post('<r4@x>');
  await expectDense(['<r1@x>', '<r4@x>']);
  expect(await store.group('test.b')).toBeUndefined();
  expect(ingest.totals().groups).toBe(1);
});

it('answers submissions that wait behind a failing commit, and writes the ones after', async () => {
  jest.spyOn(store, 'batch').mockRejectedValueOnce(new Error('disk full'));
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => settle(ingest.submit([makeArticle({ id: `<m${i}@x>` })], local))));
  const failed = results.filter((r) => 'error' in r).length;
  expect(failed).toBeGreaterThan(0);
  expect(results.length - failed).toBeGreaterThan(0);
  const stored = results.flatMap((r, i) => ('value' in r ? [`<m${i}@x>`] : []));
  const index = await store.groupIndex('test.a', 0, 100);
  expect(index.map((e) => e.n)).toEqual(stored.map((_, i) => i + 1));
  expect(new Set(index.map((e) => e.id))).toEqual(new Set(stored));
  expect((await checkStore(store)).problems).toEqual([]);
});
