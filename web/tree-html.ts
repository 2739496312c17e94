/**
 * The thread tree as HTML, built in code rather than in the template: a 500-article thread
 * is 500 rows, and plain string building is several times faster than a nunjucks loop.
 * Every text is escaped here; the result is marked safe by the `treeRows` filter.
 */
import { timeHtml } from './dates';
import { escapeHtml } from './text';
import type { TreeRow } from './thread-tree';

/** Indentation classes stop here (deeper replies line up with depth 12). */
export const MAX_DEPTH_CLASS = 12;

export function treeRowsHtml(rows: TreeRow[], currentId: string | undefined, now: number): string {
  let out = '';
  for (const r of rows) {
    const depth = `d${Math.min(r.depth, MAX_DEPTH_CLASS)}`;
    const inner = `<span class="subject">${escapeHtml(r.subject)}</span> <span class="meta">${escapeHtml(r.from)} · ${timeHtml(r.date, now)}</span>`;
    out +=
      r.id === currentId
        ? `<li class="${depth} current"><span class="node" aria-current="true">${inner}</span></li>\n`
        : `<li class="${depth}"><a class="node" href="/a/${escapeHtml(encodeURIComponent(r.id))}">${inner}</a></li>\n`;
  }
  return out;
}
