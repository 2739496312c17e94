/**
 * Turns one group commit's decided articles into LevelDB operations: the article, its group
 * numbers and overview, thread links and metadata, history and counters. Other parts' records
 * (the feed's queue rows, a mirror's cursor) join through commit hooks (commit-hook.ts).
 * Everything for one commit lands in one atomic batch.
 */
import type { Article } from '../../protocol/article';
import { parentId } from '../../protocol/article';
import { rootPut, type BatchOp } from '../store/store';
import type { Sublevels } from '../store/db';
import { numKey, pad, SEP } from '../store/keys';
import type { Counters, GroupMeta, HistoryRecord, OverviewRecord, ThreadMeta } from '../store/records';
import { renderedStats } from '../../protocol/nntp/render';

/** The exact bytes of an article that arrived by NNTP (kept and served as they are; node/nntp/wire-copy.ts). */
export interface WireCopy {
  /** The value stored. */
  bytes: Buffer;
  /** Octets of the article as served (Xref aside) and lines of its body, for the overview. */
  size: number;
  lines: number;
}

export interface BuildState {
  subs: Sublevels;
  /** Group metadata, updated in place (the writer's cache). */
  groups: Map<string, GroupMeta>;
  /** Thread metadata of this commit, keyed group NUL root, prefetched. */
  threads: Map<string, ThreadMeta | undefined>;
  /** Thread keys this commit changed: each is written once, at its last state (addTotals). */
  touchedThreads: Set<string>;
  counters: Counters;
  now: number;
  /** The history record of every article the commit accepts (one object: the records are alike). */
  mark?: HistoryRecord;
}

const put = (sublevel: unknown, key: string, value: unknown): BatchOp => ({ type: 'put', sublevel, key, value }) as unknown as BatchOp;
const del = (sublevel: unknown, key: string): BatchOp => ({ type: 'del', sublevel, key }) as unknown as BatchOp;

/**
 * The inverse of addAccepted's per-article records (body, wire copy, thread member, child link,
 * index entries), for a removal, a cancel or an expiry (node/takedown/remover.ts): the module
 * that lays these records out is the one that takes them away. History, group and thread
 * metadata are the caller's, in the same commit.
 */
export function addRemovedRecords(ops: BatchOp[], subs: Sublevels, stored: { article: Article; seq: number; nums: Record<string, number> }): void {
  const a = stored.article;
  const root = a.references.length > 0 ? a.references[0] : a.id;
  const seqPart = SEP + pad(stored.seq);
  ops.push(del(subs.articles, a.id), del(subs.wire, a.id), del(subs.threadMembers, root + seqPart));
  // Older data dirs linked direct replies too: deleting a link that is not there costs nothing.
  const parent = parentId(a);
  if (parent !== undefined) ops.push(del(subs.children, parent + seqPart));
  for (const g of Object.keys(stored.nums)) ops.push(del(subs.groupIndex, numKey(g, stored.nums[g])));
}

/**
 * Adds the operations that accept `article` (path already prepended); returns its numbers.
 * Records per article: the article, history, one thread member, and per group an index entry
 * (its thread record joins once per commit in addTotals); a reply deeper than the root's
 * direct replies also gets a child link (direct replies are found through the thread members,
 * Store.children). Measured: LevelDB costs about 4 us of CPU per record whatever its size,
 * so the number of records, not their bytes, sets the commit's price (docs/benchmarks.md).
 */
export function addAccepted(ops: BatchOp[], st: BuildState, article: Article, wire?: WireCopy): { seq: number; nums: Record<string, number> } {
  const { subs, now } = st;
  const seq = ++st.counters.seq;
  st.counters.articles++;
  const { id, subject, from, date, references } = article;
  const list = article.newsgroups;
  // Crossposts name each group once (a repeated group would number the article twice).
  const groups = list.length === 1 ? list : [...new Set(list)];
  // No prototype: "__proto__" is a valid group name, and on a plain object its number would vanish.
  const nums: Record<string, number> = Object.create(null);
  for (const group of groups) nums[group] = bumpGroup(st, group, date);
  const root = references.length > 0 ? references[0] : id;
  // The NNTP overview fields ride in the index, so OVER never reads an article.
  const size = wire ? { bytes: wire.size, lines: wire.lines } : renderedStats(article);
  const xref = groups.length > 1 ? nums : undefined;
  for (const group of groups) {
    const n = nums[group];
    // Built field by field (no spreads): this runs per article per group in the writer.
    const ov: OverviewRecord = { id, subject, from, date, references, bytes: size.bytes, lines: size.lines, at: now };
    if (xref) ov.xref = xref;
    ops.push(rootPut(subs.groupIndex, numKey(group, n), ov));
    threadActivity(st, group, root, article, n);
  }
  ops.push(rootPut(subs.articles, id, { article, at: now, nums, seq }));
  if (wire) ops.push(put(subs.wire, id, wire.bytes));
  ops.push(rootPut(subs.history, id, (st.mark ??= { s: 'a', at: now })));
  const seqPart = SEP + pad(seq);
  ops.push(rootPut(subs.threadMembers, root + seqPart, id));
  const parent = parentId(article);
  if (parent !== undefined && parent !== root) ops.push(rootPut(subs.children, parent + seqPart, id));
  return { seq, nums };
}

/**
 * Closes the commit: thread records, group metadata and counters that changed, once each.
 * Copies, because the writer numbers the next commit in the same objects while this batch may
 * still wait for its write (thread records are fresh objects per change, never mutated).
 */
export function addTotals(ops: BatchOp[], st: BuildState, touched: Set<string>): void {
  for (const tk of st.touchedThreads) ops.push(rootPut(st.subs.threads, tk, st.threads.get(tk)!));
  for (const g of touched) ops.push(rootPut(st.subs.groups, g, { ...st.groups.get(g)! }));
  ops.push(rootPut(st.subs.meta, 'counters', { ...st.counters }));
}

function bumpGroup(st: BuildState, group: string, date: string): number {
  let meta = st.groups.get(group);
  if (!meta) {
    meta = { count: 0, low: 0, high: 0, lastPostAt: null };
    st.groups.set(group, meta);
    st.counters.groups++;
  }
  const n = meta.high + 1;
  meta.high = n;
  if (meta.count === 0) meta.low = n;
  meta.count++;
  if (meta.lastPostAt === null || date > meta.lastPostAt) meta.lastPostAt = date;
  return n;
}

function threadActivity(st: BuildState, group: string, root: string, a: Article, n: number): void {
  const tk = group + SEP + root;
  const prev = st.threads.get(tk);
  const isRoot = a.id === root;
  // A root that arrives after its replies gives the thread its real subject and author.
  const meta: ThreadMeta = prev
    ? {
        root,
        subject: isRoot ? a.subject : prev.subject,
        from: isRoot ? a.from : prev.from,
        date: isRoot ? a.date : prev.date,
        articles: prev.articles + 1,
        lastN: n,
        lastDate: a.date > prev.lastDate ? a.date : prev.lastDate,
        hasRoot: prev.hasRoot === true || isRoot,
      }
    : { root, subject: a.subject, from: a.from, date: a.date, articles: 1, lastN: n, lastDate: a.date, hasRoot: isRoot };
  st.threads.set(tk, meta);
  st.touchedThreads.add(tk);
}
