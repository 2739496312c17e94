/**
 * The ingest's commit hook on real LevelDB: a hook's records ride the batch that accepts the
 * article (as stored: path prepended, its seq, origin, the commit's time), a hook hears every
 * result of the commit, a veto refuses an article before it is numbered, a plain write rides
 * the next group commit (a builder sees the commit's own acceptances), and a submitter's own
 * stage sees only its submission.
 */
import { systemClock } from '../../node/clock';
import type { AcceptedEvent, CommitOutcome } from '../../node/ingest/commit-hook';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { checkStore } from '../../node/store/check';
import { Store, type BatchOp } from '../../node/store/store';
import { makeArticle } from '../helpers/node';
import { tempDir } from '../helpers/tmp';

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let ingest: Ingest;
let batches: number[];

beforeEach(async () => {
  tmp = tempDir('newsmesh-hook-');
  store = await Store.open(tmp.dir);
  ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'here', maxArticleBytes: 65536 });
  await ingest.start();
  batches = [];
  const batch = store.batch.bind(store);
  jest.spyOn(store, 'batch').mockImplementation(async (ops) => {
    batches.push(ops.length);
    return batch(ops);
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await ingest.flushed();
  await store.close();
  tmp.cleanup();
});

/** Holds the next commit on its way to disk until the returned release is called. */
function holdNextCommit(): () => void {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const batch = jest.mocked(store.batch).getMockImplementation()!;
  const held = batches.length;
  jest.mocked(store.batch).mockImplementation(async (ops) => {
    if (batches.length === held) await gate;
    return batch(ops);
  });
  return release;
}

const meta = (k: string, value: unknown): BatchOp => ({ type: 'put', sublevel: store.subs.meta, key: k, value }) as unknown as BatchOp;

describe('a commit hook', () => {
  it("adds its records to the accepted article's own batch, seeing the article as stored", async () => {
    const seen: AcceptedEvent[] = [];
    ingest.addHook({
      name: 'note',
      begin: () => ({
        accepted: (e, ops) => {
          seen.push(e);
          ops.push(meta(`note:${e.article.id}`, { seq: e.seq, at: e.at }));
        },
      }),
    });
    const before = Date.now();
    const [r] = await ingest.submit([makeArticle({ id: '<h1@x>', path: ['origin'] })], { kind: 'peer', peer: 'origin' });
    expect(r.status).toBe('accepted');
    expect(batches).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ seq: 1, origin: { kind: 'peer', peer: 'origin' } });
    expect(seen[0].article.path).toEqual(['here', 'origin']);
    expect(seen[0].at).toBeGreaterThanOrEqual(before);
    expect(await store.subs.meta.get('note:<h1@x>')).toEqual({ seq: 1, at: seen[0].at });
    expect((await store.getStored('<h1@x>'))?.at).toBe(seen[0].at);
  });

  it('hears what was committed: the accepted articles and every result of every submission', async () => {
    const outcomes: CommitOutcome[] = [];
    ingest.addHook({ name: 'listen', begin: () => ({ committed: (o) => outcomes.push(o) }) });
    await ingest.submit([makeArticle({ id: '<dup@x>' })], { kind: 'local' });
    outcomes.length = 0;
    const a = ingest.submit([makeArticle({ id: '<new@x>' }), makeArticle({ id: '<dup@x>' }), makeArticle({ id: '<bad@x>', subject: '' })], { kind: 'peer', peer: 'p' });
    const b = ingest.submit([makeArticle({ id: '<other@x>' })], { kind: 'import' });
    await Promise.all([a, b]);
    const all = outcomes.flatMap((o) => o.submissions);
    expect(all.map((s) => [s.origin.kind, s.results.map((r) => r.status)])).toEqual([
      ['peer', ['accepted', 'duplicate', 'rejected']],
      ['import', ['accepted']],
    ]);
    expect(all[0].results[2].reason).toMatch(/^subject: /);
    expect(outcomes.flatMap((o) => o.accepted.map((e) => e.article.id))).toEqual(['<new@x>', '<other@x>']);
  });

  it('may refuse an article with a reason before it is numbered', async () => {
    const vetted: string[] = [];
    ingest.addHook({ name: 'veto', vet: (article, origin) => (vetted.push(`${origin.kind} ${article.id}`), article.subject.includes('spam') ? 'subject: spam is not taken here' : null) });
    const results = await ingest.submit([makeArticle({ id: '<spam@x>', subject: 'buy spam' }), makeArticle({ id: '<ham@x>' })], { kind: 'import' });
    expect(results).toEqual([
      { id: '<spam@x>', status: 'rejected', reason: 'subject: spam is not taken here' },
      { id: '<ham@x>', status: 'accepted' },
    ]);
    expect(vetted).toEqual(['import <spam@x>', 'import <ham@x>']);
    // Refused before numbering: the next article got number 1, and the refused id left no trace.
    expect((await store.getStored('<ham@x>'))?.nums).toEqual({ 'test.a': 1 });
    expect(await store.getStored('<spam@x>')).toBeUndefined();
    expect((await store.history(['<spam@x>']))[0]).toBeUndefined();
    // A duplicate is answered before any veto is asked.
    await ingest.submit([makeArticle({ id: '<ham@x>' })], { kind: 'import' });
    expect(vetted).toHaveLength(2);
  });

  it('stops taking part once removed', async () => {
    let calls = 0;
    const remove = ingest.addHook({ name: 'once', begin: () => ((calls++, {})) });
    await ingest.submit([makeArticle()], { kind: 'local' });
    remove();
    await ingest.submit([makeArticle()], { kind: 'local' });
    expect(calls).toBe(1);
  });
});

describe('a plain write', () => {
  it('rides the next group commit with the articles waiting', async () => {
    const release = holdNextCommit();
    const first = ingest.submit([makeArticle({ id: '<w1@x>' })], { kind: 'local' });
    await new Promise((r) => setImmediate(r));
    const written = ingest.write([meta('plain', 1)]);
    const second = ingest.submit([makeArticle({ id: '<w2@x>' })], { kind: 'local' });
    release();
    await Promise.all([first, written, second]);
    // Two commits: the write shares the second with the article that waited beside it.
    expect(batches).toHaveLength(2);
    expect(await store.subs.meta.get('plain')).toBe(1);
    expect((await checkStore(store)).problems).toEqual([]);
  });

  it('built inside the commit, sees the ids the commit accepts as held', async () => {
    const release = holdNextCommit();
    const first = ingest.submit([makeArticle({ id: '<in-flight@x>' })], { kind: 'local' });
    await new Promise((r) => setImmediate(r));
    const views: Record<string, string | undefined> = {};
    const written = ingest.write((view) => {
      for (const id of ['<in-flight@x>', '<same@x>', '<never@x>']) views[id] = view.history(id)?.s;
      return [];
    });
    const same = ingest.submit([makeArticle({ id: '<same@x>' })], { kind: 'local' });
    release();
    await Promise.all([first, written, same]);
    // The commit still being written and this very commit both count as held.
    expect(views).toEqual({ '<in-flight@x>': 'a', '<same@x>': 'a', '<never@x>': undefined });
  });
});

describe("a submitter's own stage", () => {
  it('sees only its submission, and saves records computed from its real results in the same batch', async () => {
    const release = holdNextCommit();
    const first = ingest.submit([makeArticle({ id: '<first@x>' })], { kind: 'local' });
    await new Promise((r) => setImmediate(r));
    const other = ingest.submit([makeArticle({ id: '<theirs@x>' })], { kind: 'peer', peer: 'q' });
    const ownAccepted: string[] = [];
    let committed: CommitOutcome | undefined;
    const mine = ingest.submit([makeArticle({ id: '<mine@x>' }), makeArticle({ id: '<broken@x>', from: '' })], { kind: 'mirror', peer: 'p' }, {
      stage: {
        accepted: (e) => ownAccepted.push(e.article.id),
        decided: (o, ops) => ops.push(meta('cursor', o.results.map((r) => r.status))),
        committed: (o) => (committed = o),
      },
    });
    release();
    await Promise.all([first, other, mine]);
    expect(batches).toHaveLength(2); // theirs and mine in one commit, after the held one
    expect(ownAccepted).toEqual(['<mine@x>']);
    expect(await store.subs.meta.get('cursor')).toEqual(['accepted', 'rejected']);
    expect(committed?.submissions).toHaveLength(1);
    expect(committed?.accepted.map((e) => e.article.id)).toEqual(['<mine@x>']);
  });
});
