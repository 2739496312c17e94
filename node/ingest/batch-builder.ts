/**
 * Turns one group commit's decided articles into LevelDB operations: the article, its group
 * numbers and overview, thread links and metadata, history and counters. Other parts' records
 * (the feed's queue rows, a mirror's cursor) join through commit hooks (commit-hook.ts).
 * Everything for one commit lands in one atomic batch.
 */
import type { Article } from '../../protocol/article';
import { parentId, threadRoot } from '../../protocol/article';
import type { BatchOp } from '../store/store';
import type { Sublevels } from '../store/db';
import { key } from '../store/keys';
import type { Counters, GroupMeta, ThreadMeta } from '../store/records';
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
  counters: Counters;
  now: number;
}

const op = <V>(sublevel: unknown, k: string, value: V): BatchOp =>
  ({ type: 'put', sublevel, key: k, value }) as unknown as BatchOp;

/** Adds the operations that accept `article` (path already prepended); returns its seq. */
export function addAccepted(ops: BatchOp[], st: BuildState, article: Article, wire?: WireCopy): number {
  const { subs } = st;
  const seq = ++st.counters.seq;
  st.counters.articles++;
  // No prototype: "__proto__" is a valid group name, and on a plain object its number would vanish.
  const nums: Record<string, number> = Object.create(null);
  const root = threadRoot(article);
  const groups = [...new Set(article.newsgroups)];
  for (const group of groups) nums[group] = bumpGroup(st, group, article.date);
  // The NNTP overview fields ride in the index, so OVER never reads an article.
  const size = wire ? { bytes: wire.size, lines: wire.lines } : renderedStats(article);
  const xref = groups.length > 1 ? { xref: nums } : {};
  for (const group of groups) {
    const n = nums[group];
    const { id, subject, from, date, references } = article;
    ops.push(op(subs.groupIndex, key(group, n), { id, subject, from, date, references, ...size, at: st.now, ...xref }));
    threadActivity(ops, st, group, root, article, n);
  }
  ops.push(op(subs.articles, article.id, { article, at: st.now, nums, seq }));
  if (wire) ops.push(op(subs.wire, article.id, wire.bytes));
  ops.push(op(subs.history, article.id, { s: 'a', at: st.now }));
  ops.push(op(subs.threadMembers, key(root, seq), article.id));
  const parent = parentId(article);
  if (parent) ops.push(op(subs.children, key(parent, seq), article.id));
  return seq;
}

/**
 * Closes the commit: group metadata and counters that changed. Copies, because the writer
 * numbers the next commit in the same objects while this batch may still wait for its write.
 */
export function addTotals(ops: BatchOp[], st: BuildState, touched: Set<string>): void {
  for (const g of touched) ops.push(op(st.subs.groups, g, { ...st.groups.get(g) }));
  ops.push(op(st.subs.meta, 'counters', { ...st.counters }));
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

function threadActivity(ops: BatchOp[], st: BuildState, group: string, root: string, a: Article, n: number): void {
  const tk = key(group, root);
  const prev = st.threads.get(tk);
  const meta: ThreadMeta = prev
    ? { ...prev, articles: prev.articles + 1, lastN: n, lastDate: a.date > prev.lastDate ? a.date : prev.lastDate }
    : { root, subject: a.subject, from: a.from, date: a.date, articles: 1, lastN: n, lastDate: a.date };
  // A root that arrives after its replies gives the thread its real subject and author.
  if (prev && a.id === root) Object.assign(meta, { subject: a.subject, from: a.from, date: a.date });
  meta.hasRoot = prev?.hasRoot === true || a.id === root;
  st.threads.set(tk, meta);
  ops.push(op(st.subs.threads, tk, meta));
}
