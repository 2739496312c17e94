/**
 * What the whole-thread view of `/a/ID` shows: the thread drawn from its overview rows (no
 * bodies read), cut in reading order into pages of at most SLICE_ARTICLES articles and
 * SLICE_CHARS of body text, the page holding the current article with its bodies, an outline
 * of at most OUTLINE_ROWS rows around it, the neighbouring articles and threads, and what is
 * unread (the articles shown are then marked read). So a view of a 1,000-article thread of
 * 60 KB bodies reads and renders about what a view of a 50-article one does.
 */
import { threadRoot, type Article } from '../protocol/article';
import { notFound } from '../node/errors';
import type { ReadingService, ThreadPlace } from '../node/feature-services';
import type { ArticleView, ThreadRow } from '../node/view-types';
import type { ConversationItem } from './thread-html';
import { threadTree, type TreeRow } from './thread-tree';

export const SLICE_ARTICLES = 50;
export const SLICE_CHARS = 300_000;
export const OUTLINE_ROWS = 400;

export interface ThreadPage {
  article?: Article;
  current: string;
  root: string;
  group: string;
  subject: string;
  total: number;
  items: ConversationItem[];
  /** First and last position (1-based) of this page in the thread, and the pages around it. */
  from: number;
  to: number;
  earlier?: string;
  later?: string;
  prevArticle?: string;
  nextArticle?: string;
  outline: TreeRow[];
  outlineFrom: number;
  place: ThreadPlace | null;
  nextNew?: string;
  unreadInGroup: number;
}

/** Start positions of the pages: greedy, by count and by body size. */
export function pageStarts(sizes: number[], maxArticles = SLICE_ARTICLES, maxChars = SLICE_CHARS): number[] {
  const starts = [0];
  let count = 0;
  let chars = 0;
  sizes.forEach((size, i) => {
    if (count > 0 && (count >= maxArticles || chars + size > maxChars)) {
      starts.push(i);
      count = 0;
      chars = 0;
    }
    count++;
    chars += size;
  });
  return starts;
}

export async function threadPage(reading: ReadingService, id: string, stored: ArticleView | undefined): Promise<ThreadPage> {
  const root = stored ? threadRoot(stored.article) : id;
  // A thread in one group: its record's count says whether the cached rows are complete.
  const only = stored && stored.article.newsgroups.length === 1 ? await reading.thread(stored.article.newsgroups[0], root) : undefined;
  const rows = await reading.threadRows(root, only?.articles);
  if (rows.length === 0) throw notFound(`article ${id}`);
  const byId = new Map<string, ThreadRow>(rows.map((r) => [r.id, r]));
  const tree = threadTree(rows.map((r) => ({ id: r.id, subject: r.subject, from: r.from, date: r.date, references: r.refs })));
  const at = Math.max(0, tree.findIndex((r) => r.id === id));
  const current = tree[at].id;
  const starts = pageStarts(tree.map((r) => byId.get(r.id)?.bytes ?? 0));
  let page = starts.length - 1;
  while (starts[page] > at) page--;
  const end = starts[page + 1] ?? tree.length;
  const slice = tree.slice(starts[page], end);
  const bodies = await reading.articles(slice.map((r) => r.id));
  const firstHeld = bodies.find((s) => s !== undefined) ?? stored;
  const group = (stored ?? firstHeld)?.article.newsgroups[0] ?? Object.keys(rows[0].nums)[0];
  const items: ConversationItem[] = [];
  slice.forEach((row, i) => {
    const s = bodies[i];
    if (!s) return;
    const parent = [...s.article.references].reverse().find((r) => byId.has(r));
    const n = s.nums[group];
    items.push({ row, seq: s.seq, parentId: parent, parentFrom: parent ? byId.get(parent)!.from : undefined, body: s.article.body, unread: n !== undefined && reading.isUnread(group, n), ...(s.article.signer ? { signer: s.article.signer } : {}) });
  });
  await reading.markRead(bodies.flatMap((s) => (s ? [s.nums] : [])));
  const meta = only && group === stored?.article.newsgroups[0] ? only : await reading.thread(group, root);
  const place = meta ? await reading.threadPlace(group, meta) : null;
  const next = await reading.nextUnread(group);
  const outlineFrom = Math.max(0, Math.min(at - OUTLINE_ROWS / 2, tree.length - OUTLINE_ROWS));
  const rootRow = byId.get(root);
  return {
    article: stored?.article,
    current,
    root,
    group,
    subject: rootRow?.subject ?? tree[0].subject,
    total: tree.length,
    items,
    from: starts[page] + 1,
    to: end,
    earlier: page > 0 ? tree[starts[page - 1]].id : undefined,
    later: page + 1 < starts.length ? tree[starts[page + 1]].id : undefined,
    prevArticle: at > 0 ? tree[at - 1].id : undefined,
    nextArticle: at + 1 < tree.length ? tree[at + 1].id : undefined,
    outline: tree.slice(outlineFrom, outlineFrom + OUTLINE_ROWS),
    outlineFrom,
    place,
    nextNew: next?.id,
    unreadInGroup: (await reading.unreadIn(group))?.unread ?? 0,
  };
}
