/**
 * The takedown feature service (registered as `takedown`): the owner's removals and their
 * list, tombstone lookups (410 answers), cancels sent through this node, the owner's list of
 * articles posted here with their Cancel-Keys, and the block rules. Pages and the local API
 * call it; the work is in remover.ts, cancels.ts and blocks.ts.
 */
import { cancelArticleFields, cancelKeyOpens, CANCEL_LOCK_HEADER, headerValue } from '../../protocol/cancel-lock';
import type { BlockRule, BlockRuleInput } from '../../protocol/block-rules';
import type { CancelResult, Posted, Removal } from '../../protocol/takedown';
import type { Clock } from '../clock';
import { NmError, notFound } from '../errors';
import type { ArticleSigner } from '../identity/article-signing';
import type { CommitStage } from '../ingest/commit-hook';
import { key, SEP } from '../store/keys';
import { timeKey } from '../store/history-index';
import type { HistoryRecord, RemovalBy, RemovalRecord } from '../store/records';
import type { BatchOp, Store } from '../store/store';
import type { NodeService } from '../service';
import type { Blocks } from './blocks';
import type { Cancels } from './cancels';
import type { Remover } from './remover';
import type { RetentionJob } from './retention-job';

export interface Gone {
  by: RemovalBy;
  reason: string;
  at: number;
}

export interface Page<T> {
  rows: T[];
  /** Cursor of the next (older) page, or null. */
  next: string | null;
}

const toRemoval = (r: RemovalRecord): Removal => ({ id: r.id, reason: r.reason, at: new Date(r.at).toISOString(), by: r.by, groups: r.groups, ...(r.subject ? { subject: r.subject } : {}) });
const cursorOf = (k: string) => Buffer.from(k).toString('base64url');
const keyOf = (cursor: string) => Buffer.from(cursor, 'base64url').toString();

export class TakedownService {
  constructor(
    private readonly c: { store: Store; clock: Clock; service: NodeService; signer: ArticleSigner; remover: Remover; cancels: Cancels; blocks: Blocks; retention: RetentionJob | null },
  ) {}

  get retention(): RetentionJob | null {
    return this.c.retention;
  }

  // ---- posting: locks, keys, the owner's list ---------------------------------------

  /** The Cancel-Lock a post with this id carries. */
  cancelLock(id: string): string {
    return this.c.signer.cancelLock(id);
  }

  cancelKey(id: string): string {
    return this.c.signer.cancelKey(id);
  }

  /** The submitter stage of a local post: its row in the owner's list, in the same commit. */
  postedStage(): CommitStage {
    return {
      accepted: (e, ops) => ops.push({ type: 'put', sublevel: this.c.store.subs.posted, key: timeKey(e.at, e.article.id), value: e.article.id } as unknown as BatchOp),
    };
  }

  /** Whether the article was posted from this node (this node's key opens its lock). */
  postedHere(article: { id: string; headers?: Record<string, string> }): boolean {
    const lock = headerValue(article.headers, CANCEL_LOCK_HEADER);
    return lock !== undefined && cancelKeyOpens(lock, this.c.signer.cancelKey(article.id));
  }

  /** Articles posted from this node, newest first, with their keys (owner only). */
  async posted(limit: number, before?: string): Promise<Page<Posted>> {
    const rows: [string, string][] = [];
    for await (const e of this.c.store.subs.posted.iterator({ reverse: true, limit: limit + 1, ...(before ? { lt: keyOf(before) } : {}) })) rows.push(e);
    const page = rows.slice(0, limit);
    const stored = await this.c.store.getManyStored(page.map(([, id]) => id));
    return {
      rows: page.map(([k, id], i) => {
        const a = stored[i]?.article;
        return { id, subject: a?.subject ?? '', newsgroups: a?.newsgroups ?? [], at: new Date(Number.parseInt(k.slice(0, k.indexOf(SEP)), 10)).toISOString(), cancelKey: this.c.signer.cancelKey(id), gone: !a };
      }),
      next: rows.length > limit ? cursorOf(page[page.length - 1][0]) : null,
    };
  }

  // ---- removal ------------------------------------------------------------------------

  /** The owner takes an article down on this node (local: peers are not told). */
  async remove(id: string, reason: string): Promise<Removal> {
    const stored = await this.c.store.getStored(id);
    if (!stored) {
      const gone = await this.gone(id);
      if (gone) throw goneError(id, gone);
      throw notFound(`article ${id}`);
    }
    const removed = await this.c.remover.remove([{ id, by: 'owner', reason }]);
    if (removed.length === 0) throw notFound(`article ${id}`);
    return { id, reason, at: new Date(this.c.clock.now()).toISOString(), by: 'owner', groups: Object.keys(stored.nums), subject: stored.article.subject };
  }

  /** The tombstone of an id, or null when it was never removed here. */
  async gone(id: string): Promise<Gone | null> {
    const [h] = (await this.c.store.history([id])) as (HistoryRecord | undefined)[];
    return h?.s === 'g' ? { by: h.by ?? 'owner', reason: h.reason ?? '', at: h.at } : null;
  }

  /** Owner removals and honoured cancels, newest first. */
  async removals(limit: number, before?: string): Promise<Page<Removal>> {
    const rows: [string, RemovalRecord][] = [];
    for await (const e of this.c.store.subs.removals.iterator({ reverse: true, limit: limit + 1, ...(before ? { lt: keyOf(before) } : {}) })) rows.push(e);
    const page = rows.slice(0, limit);
    return { rows: page.map(([, r]) => toRemoval(r)), next: rows.length > limit ? cursorOf(page[page.length - 1][0]) : null };
  }

  /** The newest removals that were in `group` (the group page's notes; scans a bounded tail). */
  async removedIn(group: string, max = 20): Promise<Removal[]> {
    const out: Removal[] = [];
    for await (const r of this.c.store.subs.removals.values({ reverse: true, limit: 500 })) {
      if (r.groups.includes(group)) out.push(toRemoval(r));
      if (out.length >= max) break;
    }
    return out;
  }

  // ---- cancel -------------------------------------------------------------------------

  /**
   * Posts the cancel of `target` (control.cancel, `Control: cancel`, the Cancel-Key) and says
   * what this node did with it. Without a key, this node's own key of the id (articles posted
   * here). It travels like any article, whether or not the target is here.
   */
  async cancel(target: string, key?: string): Promise<CancelResult> {
    const useKey = key ?? this.c.signer.cancelKey(target);
    const held = await this.c.store.getStored(target);
    const from = held?.article.from ?? `poster@${this.c.service.name}`;
    const fields = cancelArticleFields(target, useKey, from);
    const here = this.c.cancels.outcome(target);
    const { id } = await this.c.service.post({ newsgroups: fields.newsgroups, from: fields.from, subject: fields.subject, body: fields.body, headers: fields.headers });
    // A cancel this node could not remember (too many waiting) is never settled: do not wait long.
    const settled = await Promise.race([here, this.c.clock.sleep(5_000).then(() => 'pending' as const)]);
    return { id, target, here: settled };
  }

  // ---- block rules ----------------------------------------------------------------------

  blocks(): BlockRule[] {
    return this.c.blocks.all();
  }

  addBlock(input: BlockRuleInput): Promise<BlockRule> {
    return this.c.blocks.add(input);
  }

  removeBlock(id: string): Promise<BlockRule> {
    return this.c.blocks.remove(id);
  }
}

/** The 410 of an id whose article is gone on purpose. */
export function goneError(id: string, g: Gone): NmError {
  const what = g.by === 'owner' ? `was removed by this node's owner${g.reason ? `: ${g.reason}` : ''}` : g.by === 'cancel' ? 'was cancelled by its poster' : 'expired on this node';
  return new NmError('NM_ERR_GONE', `article ${id} ${what}`);
}

export { key };
