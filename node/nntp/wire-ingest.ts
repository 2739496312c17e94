/**
 * Takes an article in its NNTP wire form (POST, IHAVE, TAKETHIS) into the node through the
 * normal ingest: parses and maps it (protocol/nntp/wire-article.ts), validates it like every
 * article (with INN's size limit), and submits it with its exact bytes, which are stored as
 * they came apart from Path (this node prepended) and Xref (dropped). A reader's POST is
 * injected first: Path, Message-ID and Date when missing, Injection-Date, Injection-Info.
 */
import { validateArticle, type Article } from '../../protocol/article';
import { newMessageId } from '../../protocol/message-id';
import { rfc5322Date } from '../../protocol/rfc5536';
import { articleFromWire, editHeaders, headerValue, parseWireHeaders, transitWire, type WireHeaders } from '../../protocol/nntp/wire-article';
import type { WireCopy } from '../ingest/batch-builder';
import { packWire } from './wire-copy';
import type { ArticleResult } from '../../protocol/peer-messages';
import type { Origin } from '../ingest/origin';
import type { NntpContext } from './context';
import { randomUUID } from 'node:crypto';

export interface WireOutcome {
  status: ArticleResult['status'];
  id: string;
  reason?: string;
}

const rejected = (id: string, reason: string): WireOutcome => ({ status: 'rejected', id, reason });

/** Injection adds these itself; a client's own copies go. */
const INJECTION_DROP: ReadonlySet<string> = new Set(['path', 'xref', 'injection-date', 'nntp-posting-host', 'nntp-posting-date', 'x-trace']);

interface Prepared {
  article: Article;
  copy: WireCopy;
}

function prepare(ctx: NntpContext, wire: Buffer, h: WireHeaders, isPost: boolean): Prepared | { problem: string; id?: string } {
  const mapped = articleFromWire(wire, h);
  const claimed = headerValue(h, 'message-id');
  if (!mapped.ok) return { problem: mapped.problem, ...(claimed ? { id: claimed } : {}) };
  // A post is born here (the ingest adds this node to its path); a transit article keeps its Path.
  if (isPost) mapped.input.path = [];
  const check = validateArticle(mapped.input, { nowMs: ctx.clock.now(), maxBodyBytes: ctx.maxBodyBytes });
  if (!check.ok) return { problem: `${check.problem.field}: ${check.problem.reason}`, ...(claimed ? { id: claimed } : {}) };
  const head = isPost ? wire.subarray(0, h.bodyStart) : transitWire(wire, h, ctx.name, false);
  return { article: check.article, copy: packWire(head, wire.subarray(h.bodyStart), mapped.bodyExact, mapped.lines) };
}

/** Adds what an injecting server adds to a reader's article (RFC 5537 section 3.5). */
function inject(ctx: NntpContext, wire: Buffer, h: WireHeaders, clientAddress: string): Buffer | { problem: string } {
  if (headerValue(h, 'injection-info') !== undefined) return { problem: 'the article already has Injection-Info (it was injected before)' };
  const now = ctx.clock.now();
  const date = rfc5322Date(new Date(now).toISOString());
  const append: string[] = [];
  if (headerValue(h, 'message-id') === undefined) append.push(`Message-ID: ${newMessageId(ctx.name, now, randomUUID().slice(0, 13).replace('-', ''))}`);
  if (headerValue(h, 'date') === undefined) append.push(`Date: ${date}`);
  append.push(`Injection-Date: ${date}`, `Injection-Info: ${ctx.name}; posting-host="${clientAddress}"`);
  return editHeaders(wire, h, { drop: INJECTION_DROP, prepend: [`Path: ${ctx.name}!.POSTED.${clientAddress}!not-for-mail`], append });
}

export interface WireIngestOptions {
  /** IHAVE/TAKETHIS: the id the command named; the article must carry it. */
  expectId?: string;
  /** POST: the client's address (Injection-Info, Path). */
  postFrom?: string;
  /** Transit: the NNTP peers this connection may be (by address); their group filter applies. */
  peers?: readonly string[];
}

/** Of the peers at one address, the one that wrote itself first in Path is the sender. */
function sender(peers: readonly string[], a: Article): string {
  return peers.find((p) => p === a.path[0]) ?? peers[0];
}

export async function ingestWire(ctx: NntpContext, wire: Buffer, opts: WireIngestOptions): Promise<WireOutcome> {
  const expect = opts.expectId ?? '';
  let h = parseWireHeaders(wire);
  if ('problem' in h) return count(ctx, rejected(expect, h.problem));
  if (opts.postFrom !== undefined) {
    const injected = inject(ctx, wire, h, opts.postFrom);
    if ('problem' in injected) return count(ctx, rejected(expect, injected.problem));
    wire = injected;
    h = parseWireHeaders(wire);
    if ('problem' in h) return count(ctx, rejected(expect, h.problem));
  }
  const p = prepare(ctx, wire, h, opts.postFrom !== undefined);
  if ('problem' in p) return count(ctx, rejected(p.id ?? expect, p.problem));
  const id = p.article.id;
  if (opts.expectId !== undefined && id !== opts.expectId) return count(ctx, rejected(opts.expectId, `its Message-ID ${id} is not the ${opts.expectId} offered`));
  const peer = opts.peers && opts.peers.length > 0 ? sender(opts.peers, p.article) : undefined;
  if (peer !== undefined && !ctx.engine.table.filterAllows(peer, p.article.newsgroups)) {
    return count(ctx, rejected(id, 'newsgroups: not in the group filter of this link'));
  }
  ctx.receiving.set(id, (ctx.receiving.get(id) ?? 0) + 1);
  try {
    const r = await submit(ctx, peer, p);
    return { status: r.status, id, ...(r.reason ? { reason: r.reason } : {}) };
  } finally {
    const left = (ctx.receiving.get(id) ?? 1) - 1;
    if (left > 0) ctx.receiving.set(id, left);
    else ctx.receiving.delete(id);
  }
}

interface Waiting {
  items: Prepared[];
  done: ((r: ArticleResult) => void)[];
  fail: ((e: unknown) => void)[];
}

/** Articles of one sender waiting for the end of this turn of the event loop, per context. */
const waiting = new WeakMap<NntpContext, Map<string, Waiting>>();

/**
 * Submits an article with the others of the same sender that arrive in this turn of the event
 * loop: a streaming feed's hundreds of TAKETHIS become one submission (one promise, one entry
 * in the ingest's queue) instead of one each. Results come back one per article.
 */
function submit(ctx: NntpContext, peer: string | undefined, p: Prepared): Promise<ArticleResult> {
  let byPeer = waiting.get(ctx);
  if (!byPeer) waiting.set(ctx, (byPeer = new Map()));
  const key = peer ?? '';
  let w = byPeer.get(key);
  if (!w) {
    const batch: Waiting = (w = { items: [], done: [], fail: [] });
    byPeer.set(key, batch);
    setImmediate(() => {
      byPeer.delete(key);
      const origin: Origin = peer !== undefined ? { kind: 'peer', peer } : { kind: 'local' };
      ctx.ingest.submitChecked(batch.items.map((i) => i.article), origin, { wire: batch.items.map((i) => i.copy) }).then(
        (results) => results.forEach((r, i) => batch.done[i](r)),
        (err: unknown) => batch.fail.forEach((f) => f(err)),
      );
    });
  }
  const batch = w;
  return new Promise((resolve, reject) => {
    batch.items.push(p);
    batch.done.push(resolve);
    batch.fail.push(reject);
  });
}

/** Refusals before the ingest are counted like the ingest counts its own. */
function count(ctx: NntpContext, o: WireOutcome): WireOutcome {
  ctx.metrics.articlesRejected++;
  return o;
}
