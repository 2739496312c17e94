/**
 * The remover on real LevelDB: a removal is one commit that keeps group metadata, thread
 * records and counters right (the newest reply and the root of a thread going, a group's
 * lowest article going), leaves a tombstone the history sweep keeps (owner) or expires
 * (expiry), and `newsmesh check` reports a half-removed article.
 */
import type { Ingest } from '../../node/ingest/ingest';
import { HistoryExpiry } from '../../node/ingest/history-expiry';
import { silentLogger } from '../../node/logger';
import { checkStore } from '../../node/store/check';
import { tombstoneOps } from '../../node/store/history-index';
import { key } from '../../node/store/keys';
import type { Store } from '../../node/store/store';
import { Remover } from '../../node/takedown/remover';
import { openIngestFixture, type IngestFixture } from '../helpers/ingest-fixture';
import type { ManualClock } from '../helpers/manual-clock';
import { makeArticle } from '../helpers/node';

const DAY = 24 * 3_600_000;
let fixture: IngestFixture;
let store: Store;
let ingest: Ingest;
let clock: ManualClock;
let remover: Remover;

beforeEach(async () => {
  fixture = await openIngestFixture('newsmesh-remover-');
  ({ store, ingest, clock } = fixture);
  remover = new Remover({ store, ingest, clock, logger: silentLogger(), reading: () => null });
});

afterEach(() => fixture.close());

it('keeps group, thread and counter records right when the root, the newest reply and the lowest article go', async () => {
  const root = makeArticle({ newsgroups: ['t.a'] }, 1);
  const r1 = makeArticle({ newsgroups: ['t.a'], references: [root.id] }, 2);
  const r2 = makeArticle({ newsgroups: ['t.a', 't.b'], references: [root.id] }, 3);
  const other = makeArticle({ newsgroups: ['t.a'] }, 4);
  await ingest.submit([root, r1, r2, other], { kind: 'import' });
  // The newest reply (crossposted) and the root go; r1 stays as the thread's newest.
  expect(await remover.remove([{ id: r2.id as string, by: 'owner', reason: 'x' }, { id: root.id as string, by: 'cancel', reason: 'y' }])).toHaveLength(2);
  expect(await store.group('t.a')).toMatchObject({ count: 2, low: 2, high: 4 });
  expect(await store.group('t.b')).toMatchObject({ count: 0 });
  expect(await store.thread('t.a', root.id as string)).toMatchObject({ articles: 1, lastN: 2, hasRoot: false });
  expect(await store.thread('t.b', root.id as string)).toBeUndefined();
  expect((await store.threadsByActivity('t.a', 10)).map((t) => t.root)).toEqual([other.id, root.id]);
  expect(ingest.totals().articles).toBe(2);
  expect((await checkStore(store)).problems).toEqual([]);
  // A new article after the removals is numbered on, and the records stay right.
  await ingest.submit([makeArticle({ newsgroups: ['t.b'] }, 5)], { kind: 'import' });
  expect(await store.group('t.b')).toMatchObject({ count: 1, low: 2, high: 2 });
  expect((await checkStore(store)).problems).toEqual([]);
  // A removed id stays out, from every origin.
  const again = await ingest.submit([r2], { kind: 'peer', peer: 'p' } as never);
  expect(again[0]).toMatchObject({ status: 'rejected', reason: "id: removed by this node's owner; it is not taken again" });
});

it("an expiry's tombstone lasts the history window, an owner's stays", async () => {
  const a = makeArticle({ newsgroups: ['t.a'] }, 1);
  const b = makeArticle({ newsgroups: ['t.a'] }, 2);
  await ingest.submit([a, b], { kind: 'import' });
  await remover.remove([{ id: a.id as string, by: 'expiry', reason: 'old' }, { id: b.id as string, by: 'owner', reason: 'no' }]);
  const sweep = new HistoryExpiry({ store, ingest, clock, logger: silentLogger() }, { windowMs: 30 * DAY, sweepEveryMs: DAY, chunk: 10, maxSteps: 10, legacyPauseMs: 0 });
  await sweep.indexLegacy();
  clock.advance(31 * DAY);
  expect(await sweep.sweep()).toBe(1);
  const [ha, hb] = await store.history([a.id as string, b.id as string]);
  expect(ha).toBeUndefined();
  expect(hb).toMatchObject({ s: 'g', by: 'owner', reason: 'no' });
  expect((await checkStore(store)).problems).toEqual([]);
});

it('check reports a half-removed article (a tombstone while the article is still stored)', async () => {
  const a = makeArticle({ newsgroups: ['t.a'] }, 1);
  await ingest.submit([a], { kind: 'import' });
  await ingest.write(tombstoneOps(store.subs, a.id as string, { s: 'g', at: clock.now(), by: 'owner', reason: 'x' }));
  const report = await checkStore(store);
  expect(report.problems).toEqual([`article ${a.id} is stored, but history holds its tombstone (owner): half-removed`]);
  // And the other half: the article gone from articles, its index entry left behind.
  await store.batch([{ type: 'del', sublevel: store.subs.articles, key: a.id } as never]);
  const r2 = await checkStore(store);
  expect(r2.problems).toContain(`group index t.a #1 names ${a.id}, which is not in articles (it has a tombstone: half-removed)`);
  expect(key('t.a', 1)).toBeTruthy();
});
