/**
 * History expiry on real LevelDB with a manual clock: records whose article is gone (here,
 * rejections written by older versions) are indexed once by a background pass, then expire
 * after the window through the time index, a bounded chunk per step; an id accepted meanwhile
 * keeps its record; accepted records never expire; `newsmesh check` agrees throughout.
 */
import { HistoryExpiry } from '../../node/ingest/history-expiry';
import type { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { checkStore } from '../../node/store/check';
import { historyOps } from '../../node/store/history-index';
import type { Store } from '../../node/store/store';
import { openIngestFixture, type IngestFixture } from '../helpers/ingest-fixture';
import type { ManualClock } from '../helpers/manual-clock';
import { makeArticle } from '../helpers/node';
import { waitFor } from '../helpers/wait';

const DAY = 24 * 3_600_000;
let fixture: IngestFixture;
let store: Store;
let ingest: Ingest;
let clock: ManualClock;

beforeEach(async () => {
  fixture = await openIngestFixture('newsmesh-hist-');
  ({ store, ingest, clock } = fixture);
});

afterEach(() => fixture.close());

const expiry = () => new HistoryExpiry({ store, ingest, clock, logger: silentLogger() }, { windowMs: 30 * DAY, sweepEveryMs: DAY, chunk: 3, maxSteps: 100, legacyPauseMs: 0 });

async function historyIds(): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.subs.history.keys()) out.push(k);
  return out;
}

it('indexes old rejection records once, then expires them after the window; accepted ids stay', async () => {
  const t0 = clock.now();
  // What an older version left: rejections without a time-index entry, among accepted ids.
  for (let i = 0; i < 7; i++) await store.subs.history.put(`<old${i}@x>`, { s: 'r', at: t0 - (40 - i) * DAY, reason: 'subject: empty' });
  await store.subs.history.put('<recent@x>', { s: 'r', at: t0 - DAY, reason: 'subject: empty' });
  const date = new Date(t0).toISOString();
  await ingest.submit([makeArticle({ id: '<kept@x>', date }), makeArticle({ id: '<old6@x>', date })], { kind: 'import' });
  // <old6@x> was accepted after its old rejection: its record is `accepted` now.
  expect((await checkStore(store)).problems).toEqual([]);

  const e = expiry();
  await e.indexLegacy();
  expect(await e.indexed()).toBe(true);
  const timeKeys: string[] = [];
  for await (const k of store.subs.historyByTime.keys()) timeKeys.push(k);
  expect(timeKeys).toHaveLength(7); // old0..old5 and recent: the accepted one is not indexed
  expect((await checkStore(store)).problems).toEqual([]);

  // old0..old5 are 35-40 days old: past the 30-day window. Chunks of 3: several steps.
  expect(await e.sweep()).toBe(6);
  expect((await historyIds()).sort()).toEqual(['<kept@x>', '<old6@x>', '<recent@x>']);
  clock.advance(30 * DAY);
  expect(await e.sweep()).toBe(1);
  expect((await historyIds()).sort()).toEqual(['<kept@x>', '<old6@x>']);
  clock.advance(3650 * DAY);
  expect(await e.sweep()).toBe(0);
  expect((await historyIds()).sort()).toEqual(['<kept@x>', '<old6@x>']);
  expect((await checkStore(store)).problems).toEqual([]);
});

it('keeps the record of an id accepted after its expiring entry was read', async () => {
  const t0 = clock.now();
  await store.batch(historyOps(store.subs, '<back@x>', { s: 'r', at: t0 - 40 * DAY }));
  await store.subs.meta.put('historyIndex', { done: true });
  // The sweep's write is built inside the commit that also accepts the id: the record stays.
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const batch = store.batch.bind(store);
  let calls = 0;
  const spy = jest.spyOn(store, 'batch').mockImplementation(async (ops) => {
    if (++calls === 1) await gate;
    return batch(ops);
  });
  const held = ingest.submit([makeArticle({ id: '<other@x>', date: new Date(t0).toISOString() })], { kind: 'import' });
  await new Promise((r) => setImmediate(r));
  const swept = expiry().sweep();
  await waitFor('the sweep read its chunk', () => calls >= 1 && ingest.waiting === 0);
  const accepted = ingest.submit([makeArticle({ id: '<back@x>', date: new Date(t0).toISOString() })], { kind: 'peer', peer: 'p' });
  release();
  await Promise.all([held, swept, accepted]);
  spy.mockRestore();
  expect((await store.history(['<back@x>']))[0]).toMatchObject({ s: 'a' });
  expect(await store.getStored('<back@x>')).toBeDefined();
  expect((await checkStore(store)).problems).toEqual([]);
});

it('check reports a rejection record the time index lacks, once the old records are indexed', async () => {
  await store.subs.history.put('<lost@x>', { s: 'r', at: clock.now() });
  await store.subs.meta.put('historyIndex', { done: true });
  expect((await checkStore(store)).problems).toEqual(['history record of <lost@x> (r) has no time-index entry, so it never expires']);
});

it('runs in the background: start returns at once, the loop sweeps on the clock and stops', async () => {
  await store.batch(historyOps(store.subs, '<late@x>', { s: 'r', at: clock.now() }));
  const e = expiry();
  e.start();
  await waitFor('the first sweep', async () => await e.indexed());
  expect(await historyIds()).toEqual(['<late@x>']);
  clock.advance(31 * DAY);
  await waitFor('the record expires on the next sweep', async () => (await historyIds()).length === 0);
  await e.stop();
});
