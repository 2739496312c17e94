/**
 * Thread overview rows: what drawing a thread needs of each article (id, subject, from, date,
 * the last few references, body size) without its body, kept under `root NUL seq` like the
 * store's threadMembers. It is a cache: the indexer writes rows as it goes, and a read fills
 * in whatever is missing from the articles themselves (and drops rows of articles gone), so
 * a view of a 1,000-article thread reads 1,000 small rows, not 1,000 bodies.
 */
import { threadRoot } from '../../protocol/article';
import { prefixRange } from '../store/keys';
import type { StoredArticle } from '../store/records';
import type { BatchOp, Store } from '../store/store';
import { key } from '../store/keys';

/** References kept per row: enough to find the nearest ancestor this node holds. */
export const ROW_REFS = 8;
/** Most articles of one thread drawn (the store's threadMembers read is bounded the same way). */
export const THREAD_ROWS_MAX = 5000;

export interface OverviewRow {
  id: string;
  seq: number;
  subject: string;
  from: string;
  date: string;
  /** The last ROW_REFS references, oldest first. */
  refs: string[];
  /** Body length in UTF-16 units: what slicing a thread into pages by size uses. */
  bytes: number;
  /** This node's numbers of the article, per group. */
  nums: Record<string, number>;
}

export function overviewRow(s: StoredArticle): OverviewRow {
  const a = s.article;
  return { id: a.id, seq: s.seq, subject: a.subject, from: a.from, date: a.date, refs: a.references.slice(-ROW_REFS), bytes: a.body.length, nums: s.nums };
}

export function overviewPut(store: Store, s: StoredArticle): BatchOp {
  return { type: 'put', sublevel: store.subs.threadOverview, key: key(threadRoot(s.article), s.seq), value: overviewRow(s) } as unknown as BatchOp;
}

export function overviewDel(store: Store, root: string, seq: number): BatchOp {
  return { type: 'del', sublevel: store.subs.threadOverview, key: key(root, seq) } as unknown as BatchOp;
}

/**
 * Every article of the thread rooted at `root` held here, in acceptance order. `expected`
 * (the thread record's article count, when the thread lives in one group) lets a complete
 * cache answer alone, without reading the store's member list to compare.
 */
export async function threadOverview(store: Store, root: string, expected?: number): Promise<OverviewRow[]> {
  const range = { ...prefixRange(root), limit: THREAD_ROWS_MAX };
  if (expected !== undefined) {
    const rows: OverviewRow[] = [];
    for await (const row of store.subs.threadOverview.values(range)) rows.push(row as OverviewRow);
    if (rows.length === expected) return rows;
  }
  const members: [string, string][] = [];
  for await (const entry of store.subs.threadMembers.iterator(range)) members.push(entry);
  const cached = new Map<string, OverviewRow>();
  for await (const [k, row] of store.subs.threadOverview.iterator(range)) cached.set(k, row as OverviewRow);
  const missing = members.filter(([k]) => !cached.has(k));
  const ops: BatchOp[] = [];
  if (missing.length > 0) {
    const stored = await store.getManyStored(missing.map(([, id]) => id));
    stored.forEach((s, i) => {
      if (!s) return;
      cached.set(missing[i][0], overviewRow(s));
      ops.push(overviewPut(store, s));
    });
  }
  const out: OverviewRow[] = [];
  const memberKeys = new Set<string>();
  for (const [k] of members) {
    memberKeys.add(k);
    const row = cached.get(k);
    if (row) out.push(row);
  }
  // Rows of articles no longer in the thread (removed) are dropped from the cache.
  if (members.length < THREAD_ROWS_MAX) {
    for (const [k, row] of cached) if (!memberKeys.has(k)) ops.push(overviewDel(store, root, row.seq));
  }
  if (ops.length > 0) await store.batch(ops);
  return out;
}
