/**
 * Bench figures for the `security` section (issue 9): what group filters cost the router.
 * A real PeerTable (LevelDB in a temp dir) holds 1,000 peers whose filters mix none, the
 * usual lists and stranger-sized worst cases; routing one article asks every peer's filter
 * (`filterAllows`, as GossipEngine.targets does). Figures: per-article routing time with the
 * group names seen before (memoised) and never seen (every filter computes), and the worst
 * single pattern against a 120-byte name. Times are medians and p99 over many articles.
 */
import { PeerTable } from '../../node/gossip/peer-table';
import type { PeerRecord } from '../../node/gossip/peer-record';
import { Store } from '../../node/store/store';
import { parseWildmat, WILDMAT_MAX_CHARS, WILDMAT_MAX_ITEM_CHARS } from '../../protocol/wildmat';
import { tempDir } from '../helpers/tmp';

const PEERS = 1_000;
const ARTICLES = 2_000;

/** Filters that keep every NFA state alive to the end of a 120-byte name and never match. */
export const WORST_FILTERS: Record<string, string> = {
  longItems: fill(`*${'?'.repeat(WILDMAT_MAX_ITEM_CHARS - 2)}B`),
  manyItems: fill(`*${'?*'.repeat(8)}B`, 100),
  classes: fill(`*${'[a-z0-9+_.-]*'.repeat(17)}B`),
};

const USUAL = ['comp.*,!comp.test.*', 'alt.*,sci.*,rec.*', 'test.*', 'bench.*,!bench.x.*', 'news.*,comp.lang.*'];

/** Copies of `item` up to WILDMAT_MAX_CHARS (and at most `items` of them). */
function fill(item: string, items = 100): string {
  const n = Math.min(items, Math.floor((WILDMAT_MAX_CHARS + 1) / (item.length + 1)));
  return Array(n).fill(item).join(',');
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const round = (x: number, d = 4) => Number(x.toFixed(d));
const long = (tag: string, i: number) => `${tag}${i}.${'a'.repeat(60)}`.slice(0, 60) + `.${'b'.repeat(59)}`;

function record(i: number, remoteGroups?: string, groups?: string): PeerRecord {
  return {
    name: `peer${i}`,
    url: `http://127.0.0.1:${10_000 + i}`,
    ...(groups ? { groups } : {}),
    ...(remoteGroups ? { remoteGroups } : {}),
    tokenIn: `token-${i}-0123456789abcdef`,
    localOk: true,
    remoteOk: true,
    addedAt: 0,
    lastSeenAt: null,
    lastError: null,
  };
}

/** Asks every peer's filter about one article's groups; returns ms. */
function route(table: PeerTable, names: string[], groups: string[]): number {
  const t0 = performance.now();
  let n = 0;
  for (const name of names) if (table.filterAllows(name, groups)) n++;
  const ms = performance.now() - t0;
  if (n < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  return ms;
}

async function tableWith(records: PeerRecord[]): Promise<{ table: PeerTable; names: string[]; close: () => Promise<void> }> {
  const tmp = tempDir('newsmesh-bench-filters-');
  const store = await Store.open(tmp.dir);
  const table = new PeerTable(store);
  for (const r of records) await table.put(r);
  return {
    table,
    names: records.map((r) => r.name),
    close: async () => {
      await store.close();
      tmp.cleanup();
    },
  };
}

function routing(table: PeerTable, names: string[]): Record<string, number> {
  // Seen names: a few groups carry most articles.
  const hot = ['comp.lang.c', 'alt.test', 'test.a', 'sci.math', long('hot', 0)];
  for (const g of hot) route(table, names, [g]);
  const warm = Array.from({ length: ARTICLES }, (_, i) => route(table, names, [hot[i % hot.length], hot[(i + 2) % hot.length]]));
  // Names never seen: every filter computes (and its memo turns over).
  const cold = Array.from({ length: ARTICLES / 4 }, (_, i) => route(table, names, [long('cold', i), `misc.cold${i}`]));
  return {
    warmMedianMs: round(pct(warm, 0.5)),
    warmP99Ms: round(pct(warm, 0.99)),
    coldMedianMs: round(pct(cold, 0.5)),
    coldP99Ms: round(pct(cold, 0.99)),
  };
}

/** The worst single filter against a 120-byte name: first match (compiles its tables) and later ones. */
function worstPattern(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [tag, pattern] of Object.entries(WORST_FILTERS)) {
    const w = parseWildmat(pattern);
    const t0 = performance.now();
    w.matches(long('first', 0));
    out[`${tag}FirstUs`] = round((performance.now() - t0) * 1000, 1);
    const times = Array.from({ length: 500 }, (_, i) => {
      const t = performance.now();
      w.matches(long('next', i));
      return (performance.now() - t) * 1000;
    });
    out[`${tag}MedianUs`] = round(pct(times, 0.5), 1);
    out[`${tag}P99Us`] = round(pct(times, 0.99), 1);
  }
  return out;
}

/**
 * Routing one article past 1,000 peers' filters (`routeWarmMedianMs` is the issue's "under
 * 1 ms" figure), the same with every peer holding a worst-case filter, and the worst pattern.
 */
export async function filterRoutingFigures(): Promise<Record<string, unknown>> {
  const worst = Object.values(WORST_FILTERS);
  const mixed = Array.from({ length: PEERS }, (_, i) =>
    i % 10 < 4 ? record(i) : i % 10 < 7 ? record(i, USUAL[i % USUAL.length]) : record(i, worst[i % worst.length], USUAL[i % USUAL.length]),
  );
  const allWorst = Array.from({ length: PEERS }, (_, i) => record(i, worst[i % worst.length]));
  const out: Record<string, unknown> = { peers: PEERS, worstFilterChars: Object.fromEntries(Object.entries(WORST_FILTERS).map(([k, v]) => [k, v.length])) };
  for (const [tag, records] of [
    ['mixed', mixed],
    ['allWorst', allWorst],
  ] as const) {
    const t = await tableWith(records);
    try {
      out[tag] = routing(t.table, t.names);
    } finally {
      await t.close();
    }
  }
  out.worstPattern = worstPattern();
  return out;
}
