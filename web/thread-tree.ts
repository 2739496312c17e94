/**
 * Draws a thread as a tree from `references`: each article hangs under its nearest ancestor
 * present on this node (the last reference that we hold), or at the top when none is. The
 * result is a flat, depth-annotated list in reading order, so templates need no recursion
 * and a 500-deep chain renders as fast as a flat one. Bounded: each article is visited once.
 */
import type { Article } from '../protocol/article';

export interface TreeRow {
  id: string;
  subject: string;
  from: string;
  date: string;
  /** 0 for top-level articles. */
  depth: number;
  /** Replies below this article (direct and indirect). */
  replies: number;
}

type Node = Pick<Article, 'id' | 'subject' | 'from' | 'date' | 'references'>;

export function threadTree(articles: Node[]): TreeRow[] {
  const byId = new Map(articles.map((a) => [a.id, a]));
  const kids = new Map<string, Node[]>();
  const tops: Node[] = [];
  for (const a of articles) {
    let parent: string | undefined;
    for (let i = a.references.length - 1; i >= 0; i--) {
      const r = a.references[i];
      if (r !== a.id && byId.has(r)) {
        parent = r;
        break;
      }
    }
    if (parent) {
      const list = kids.get(parent) ?? [];
      list.push(a);
      kids.set(parent, list);
    } else tops.push(a);
  }
  const byDate = (x: Node, y: Node) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0);
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  // Iterative DFS: deep chains must not blow the stack.
  const stack: { node: Node; depth: number }[] = tops.sort(byDate).reverse().map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    rows.push({ id: node.id, subject: node.subject, from: node.from, date: node.date, depth, replies: 0 });
    const children = (kids.get(node.id) ?? []).slice().sort(byDate).reverse();
    for (const c of children) stack.push({ node: c, depth: depth + 1 });
  }
  // Reference cycles (forged ids) leave articles unvisited: show them at the top anyway.
  for (const a of articles) if (!seen.has(a.id)) rows.push({ id: a.id, subject: a.subject, from: a.from, date: a.date, depth: 0, replies: 0 });
  // Reply counts: rows after a row with greater depth, up to the next row at its depth or less.
  const open: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    while (open.length && rows[open[open.length - 1]].depth >= rows[i].depth) open.pop();
    for (const j of open) rows[j].replies++;
    open.push(i);
  }
  return rows;
}
