/**
 * The whole-thread view's conversation as HTML, built in code (a page may hold 50 articles
 * with their bodies; string building is several times faster than a nunjucks loop). Each
 * article is a `<details open>` holding its header, body, actions and its replies, so a
 * sub-thread collapses with its summary and no script. Nesting follows the tree rows'
 * depths within the slice; how far it indents is capped by CSS. Every text is escaped here.
 */
import type { SignedBy } from '../protocol/api';
import { timeHtml } from './dates';
import { signerHtml } from './signer-html';
import { escapeHtml, renderBody } from './text';
import type { TreeRow } from './thread-tree';
import { articleUrl } from './views';

export interface ConversationItem {
  row: TreeRow;
  seq: number;
  /** The parent's author, when the parent is held here. */
  parentFrom?: string;
  parentId?: string;
  body: string;
  unread: boolean;
  /** The signer's key (absent: unsigned). */
  signer?: string;
}

export interface ConversationOptions {
  currentId: string;
  /** Subject of the thread: an article's subject is shown only when it differs. */
  threadSubject: string;
  now: number;
  /** HTML of the reply form, placed under the article it answers. */
  replyForm?: { id: string; html: string };
  /** Who signed an article, for its signer line (web/signer-html.ts); no line without it. */
  signedBy?: (signer: string | undefined) => SignedBy | null;
}

const sameSubject = (a: string, b: string) => a.replace(/^(re:\s*)+/i, '').trim() === b.replace(/^(re:\s*)+/i, '').trim();

function articleHtml(item: ConversationItem, o: ConversationOptions): string {
  const { row } = item;
  const current = row.id === o.currentId;
  const url = articleUrl(row.id);
  const esc = escapeHtml;
  const subject = sameSubject(row.subject, o.threadSubject) ? '' : ` <span class="msg-subject">${esc(row.subject)}</span>`;
  const re = item.parentFrom ? ` <span class="re">to ${esc(item.parentFrom)}</span>` : '';
  const replies = row.replies > 0 ? ` <span class="count">${row.replies} ${row.replies === 1 ? 'reply' : 'replies'}</span>` : '';
  const fresh = item.unread ? ' <span class="badge new">new</span>' : '';
  const labelId = `h-${item.seq}`;
  const form = o.replyForm && o.replyForm.id === row.id ? `<section class="reply-slot" id="reply" aria-label="Reply to ${esc(row.from)}">${o.replyForm.html}</section>` : '';
  return (
    `<li class="msg${current ? ' current' : ''}" id="${current ? 'current' : `m-${item.seq}`}" data-id="${esc(row.id)}">` +
    `<details open><summary><span class="who" id="${labelId}">${esc(row.from)}</span>${re} · ${timeHtml(row.date, o.now)}${subject}${fresh}${replies}</summary>` +
    `<article class="msg-card" aria-labelledby="${labelId}"${current ? ' aria-current="true"' : ''}>` +
    `<div class="body">${renderBody(item.body)}</div>` +
    (o.signedBy ? signerHtml(o.signedBy(item.signer)) : '') +
    `<p class="msg-actions"><a class="reply-link" href="${url}?reply=1#reply">Reply</a>` +
    `<a href="${url}?view=article">One-article view</a>` +
    (item.parentId ? `<a href="${articleUrl(item.parentId)}#current">Parent</a>` : '') +
    `</p>${form}</article>`
  );
}

/** The slice as nested lists; `items` are in reading (tree) order. */
export function conversationHtml(items: ConversationItem[], o: ConversationOptions): string {
  let out = '<ol class="conv">';
  // Open articles: their depth and whether their replies list is open.
  const open: { depth: number; list: boolean }[] = [];
  const close = () => {
    const top = open.pop()!;
    out += `${top.list ? '</ol>' : ''}</details></li>`;
  };
  for (const item of items) {
    const d = item.row.depth;
    while (open.length > 0 && open[open.length - 1].depth >= d) close();
    const parent = open[open.length - 1];
    if (parent && !parent.list) {
      out += '<ol class="replies">';
      parent.list = true;
    }
    out += articleHtml(item, o);
    open.push({ depth: d, list: false });
  }
  while (open.length > 0) close();
  return `${out}</ol>`;
}
