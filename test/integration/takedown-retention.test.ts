import { checkStore } from '../../node/store/check';
import type { Store } from '../../node/store/store';
import { SkewedClock } from '../helpers/skewed-clock';
import { fillGroup, readIndex } from '../helpers/mirror';
import type { TestNode } from '../helpers/node';
import { api, destroyAll } from './gossip-harness';
import { articleStatus, startTakedownNode, takedownOf } from './takedown-helpers';

const DAY = 24 * 3_600_000;

describe('retention (--retain)', () => {
  const clock = new SkewedClock();
  let n: TestNode;
  beforeAll(async () => {
    // Sweeps only when the test asks (the loop's first sweep runs at start, on an empty store).
    n = await startTakedownNode({ name: 'keeper', retain: 'old.*=2d,big.*=8KB,*=forever', tuning: { retainSweepMs: 3_600_000, retainSlice: 7, retainPauseMs: 0 } }, { clock });
  }, 30_000);
  afterAll(() => destroyAll([n]));

  it('refuses bad rules at start with the flag named', async () => {
    await expect(startTakedownNode({ retain: 'comp.*=90x' })).rejects.toThrow(/--retain rule 1 .*is not an age/);
  });

  it('expires by age in slices, keeps what is young and what other rules keep, checks clean', async () => {
    const old = await fillGroup(n.webUrl, 'old.a', 40);
    const kept = await fillGroup(n.webUrl, 'misc.a', 5);
    // A crosspost stays while any of its groups keeps it.
    const cross = await fillGroup(n.webUrl, 'old.a', 1, () => ({ newsgroups: ['old.a', 'misc.a'] }));
    clock.jump(3 * DAY);
    const young = await fillGroup(n.webUrl, 'old.a', 3, () => ({ date: new Date(clock.now()).toISOString() }));
    const removed = await takedownOf(n).retention!.sweep();
    expect(removed).toBe(40);
    for (const id of old.slice(0, 5)) expect(await articleStatus(n, id)).toBe(410);
    const gone = await api<{ error: { code: string; message: string } }>(n, 'GET', `/api/articles/${encodeURIComponent(old[0])}`);
    expect(gone.data.error).toEqual({ code: 'NM_ERR_GONE', message: `article ${old[0]} expired on this node` });
    for (const id of [...kept, ...cross, ...young]) expect(await articleStatus(n, id)).toBe(200);
    expect((await readIndex(n.webUrl, 'old.a')).map((r) => r.id)).toEqual([...cross, ...young]);
    const g = (await api<{ name: string; count: number; low: number }[]>(n, 'GET', '/api/groups')).data.find((x) => x.name === 'old.a');
    expect(g).toMatchObject({ count: 4, low: 41 });
    // Expiries are not listed among removals (there would be too many); their tombstones answer 410.
    expect((await api<unknown[]>(n, 'GET', '/api/removals')).data).toEqual([]);
    expect((await checkStore(n.components.store)).problems).toEqual([]);
  }, 30_000);

  it('expires by size: the oldest go until the groups of the rule fit', async () => {
    const body = 'x'.repeat(900) + '\n';
    const a = await fillGroup(n.webUrl, 'big.a', 10, () => ({ body }));
    const b = await fillGroup(n.webUrl, 'big.b', 10, () => ({ body }));
    await takedownOf(n).retention!.sweep();
    const left = [...(await readIndex(n.webUrl, 'big.a')), ...(await readIndex(n.webUrl, 'big.b'))].map((r) => r.id);
    // About 1.1 KB each as stored: the 7 newest of both groups together fit in 8 KB; big.a is all older.
    expect(left).toEqual(b.slice(3));
    expect(await articleStatus(n, a[0])).toBe(410);
    expect((await checkStore(n.components.store)).problems).toEqual([]);
  }, 30_000);
});

/** Counts the group index entries read through `store` until restore(). */
function countIndexReads(store: Store): { readonly count: number; restore(): void } {
  type Reader = (opts?: unknown) => AsyncIterable<unknown>;
  const sub = store.subs.groupIndex as unknown as Record<'iterator' | 'keys' | 'values', Reader>;
  let count = 0;
  async function* counted(it: AsyncIterable<unknown>) {
    for await (const x of it) {
      count++;
      yield x;
    }
  }
  const spies = (['iterator', 'keys', 'values'] as const).map((m) => {
    const read = sub[m].bind(sub);
    return jest.spyOn(sub, m).mockImplementation((opts) => counted(read(opts)));
  });
  return {
    get count() {
      return count;
    },
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe('retention by size keeps running totals', () => {
  let n: TestNode;
  beforeAll(async () => {
    n = await startTakedownNode({ name: 'tally', retain: 'wide.*=200KB,tight.*=8KB,*=forever', tuning: { retainSweepMs: 3_600_000, retainSlice: 7, retainPauseMs: 0 } });
  }, 30_000);
  afterAll(() => destroyAll([n]));

  it('a sweep reads the index entries that came since the last one, not the whole index', async () => {
    await fillGroup(n.webUrl, 'wide.a', 150);
    const retention = takedownOf(n).retention!;
    const first = countIndexReads(n.components.store);
    expect(await retention.sweep()).toBe(0);
    first.restore();
    expect(first.count).toBeGreaterThanOrEqual(150);
    await fillGroup(n.webUrl, 'wide.a', 3);
    const next = countIndexReads(n.components.store);
    expect(await retention.sweep()).toBe(0);
    next.restore();
    // Re-summing the group would read all 153 entries again.
    expect(next.count).toBeLessThan(20);
  }, 30_000);

  it('the totals follow removals made outside the sweep, and the oldest go when the groups hold more', async () => {
    const body = 'x'.repeat(900) + '\n';
    // About 1.1 KB each as stored: 7 fit in 8 KB and are counted by the first sweep.
    const ids = await fillGroup(n.webUrl, 'tight.a', 7, () => ({ body }));
    expect(await takedownOf(n).retention!.sweep()).toBe(0);
    for (const id of ids.slice(4)) expect((await api(n, 'DELETE', `/api/articles/${encodeURIComponent(id)}`, { reason: 'spam' })).status).toBe(200);
    // 4 + 5 = 9 are held: the 2 oldest go. Totals that missed the owner's removals would count 12.
    const more = await fillGroup(n.webUrl, 'tight.a', 5, () => ({ body }));
    expect(await takedownOf(n).retention!.sweep()).toBe(2);
    expect((await readIndex(n.webUrl, 'tight.a')).map((r) => r.id)).toEqual([...ids.slice(2, 4), ...more]);
    expect((await checkStore(n.components.store)).problems).toEqual([]);
  }, 30_000);
});
