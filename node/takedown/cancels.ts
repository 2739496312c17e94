/**
 * Author cancels (RFC 8315): a cancel is an ordinary article (protocol/cancel-lock.ts); when
 * one is accepted, the same commit records a pending cancel (`cancels`: target -> key) and,
 * once it is on disk, the target is checked: held and the key opens its Cancel-Lock -> it is
 * removed (tombstone, by `cancel`) in one commit that also drops the pending record; held and
 * the key does not open it -> the record goes, nothing else changes. A target not held yet
 * keeps its record: when it arrives, the vet refuses it if the key opens its lock, and the
 * same commit writes its tombstone. Pending records are bounded (PENDING_MAX) and expire with
 * the history window; after a crash, start-up checks the records whose target is held.
 */
import { cancelKeyOpens, cancelTarget, CANCEL_KEY_HEADER, CANCEL_LOCK_HEADER, headerValue } from '../../protocol/cancel-lock';
import type { Article } from '../../protocol/article';
import type { Clock } from '../clock';
import type { CommitHook, CommitStage } from '../ingest/commit-hook';
import type { Ingest } from '../ingest/ingest';
import type { Logger } from '../logger';
import { timeKey, tombstoneOps } from '../store/history-index';
import type { BatchOp, Store } from '../store/store';
import type { Remover } from './remover';

/** Most cancels waiting for their target; past it new ones are not remembered (logged). */
export const PENDING_MAX = 10_000;
export const CANCELLED_REASON = 'id: cancelled by its poster; it is not taken again';

export interface PendingCancel {
  key: string;
  at: number;
  /** The cancel article's id. */
  cancel: string;
}

const put = (sublevel: unknown, k: string, value: unknown): BatchOp => ({ type: 'put', sublevel, key: k, value }) as unknown as BatchOp;
const del = (sublevel: unknown, k: string): BatchOp => ({ type: 'del', sublevel, key: k }) as unknown as BatchOp;

export type CancelOutcome = 'removed' | 'ignored' | 'pending';

export class Cancels {
  /** Targets with a pending record (mirrors the `cancels` sublevel, so the vet reads nothing for the rest). */
  private readonly pending = new Set<string>();
  /** The stage of the commit being prepared (prepare is synchronous, begin comes first). */
  private current: { refused: Map<string, Article>; targets: string[] } | null = null;
  /** Outcome waiters of cancels posted through this node (by target). */
  private readonly waiters = new Map<string, ((o: CancelOutcome) => void)[]>();

  constructor(
    private readonly c: { store: Store; ingest: Ingest; clock: Clock; logger: Logger; remover: Remover },
    private readonly init: { windowMs: number },
  ) {}

  /** Loads the pending targets and checks those already held (a crash between a cancel and its removal). */
  async start(): Promise<void> {
    const held: string[] = [];
    for await (const id of this.c.store.subs.cancels.keys({ limit: PENDING_MAX })) this.pending.add(id);
    const stored = await this.c.store.getManyStored([...this.pending]);
    [...this.pending].forEach((id, i) => stored[i] && held.push(id));
    if (held.length > 0) await this.process(held);
  }

  get size(): number {
    return this.pending.size;
  }

  hook(): CommitHook {
    return {
      name: 'cancel',
      vet: (a) => (this.pending.has(a.id) && this.opensPending(a) ? this.refuse(a) : null),
      begin: (at) => {
        const cur = { refused: new Map<string, Article>(), targets: [] as string[] };
        this.current = cur;
        const stage: CommitStage = {
          accepted: (e, ops) => {
            const target = cancelTarget(e.article);
            const key = target ? headerValue(e.article.headers, CANCEL_KEY_HEADER) : undefined;
            if (!target || !key || target === e.article.id) return;
            if (this.pending.size >= PENDING_MAX && !this.pending.has(target)) {
              this.c.logger.warn({ target, cancel: e.article.id }, 'too many cancels wait for their target; this one is not remembered');
              return;
            }
            ops.push(put(this.c.store.subs.cancels, target, { key, at, cancel: e.article.id } satisfies PendingCancel));
            this.pending.add(target);
            cur.targets.push(target);
          },
          decided: (o, ops) => {
            for (const r of o.results) {
              const a = r.status === 'rejected' && r.reason === CANCELLED_REASON ? cur.refused.get(r.id) : undefined;
              if (!a) continue;
              cur.refused.delete(r.id);
              const subs = this.c.store.subs;
              ops.push(...tombstoneOps(subs, a.id, { s: 'g', at, by: 'cancel', reason: 'cancelled by its poster' }), del(subs.cancels, a.id));
              ops.push(put(subs.removals, timeKey(at, a.id), { id: a.id, reason: 'cancelled by its poster (the cancel came first)', at, by: 'cancel', groups: a.newsgroups, subject: a.subject }));
            }
          },
          committed: () => {
            for (const id of cur.refused.keys()) this.pending.delete(id);
            if (cur.targets.length > 0) void this.process(cur.targets).catch((err: unknown) => this.c.logger.warn({ err }, 'checking cancels failed; they are checked again at the next start'));
          },
        };
        return stage;
      },
    };
  }

  /** Waits for what this node did with a cancel of `target` (posted here just now). */
  outcome(target: string): Promise<CancelOutcome> {
    return new Promise((resolve) => {
      const list = this.waiters.get(target) ?? [];
      list.push(resolve);
      this.waiters.set(target, list);
    });
  }

  private settle(target: string, o: CancelOutcome): void {
    const list = this.waiters.get(target);
    this.waiters.delete(target);
    for (const w of list ?? []) w(o);
  }

  private opensPending(a: Article): boolean {
    const rec = this.c.store.subs.cancels.getSync(a.id) as PendingCancel | undefined;
    const lock = headerValue(a.headers, CANCEL_LOCK_HEADER);
    return rec !== undefined && lock !== undefined && cancelKeyOpens(lock, rec.key);
  }

  private refuse(a: Article): string {
    this.current?.refused.set(a.id, a);
    return CANCELLED_REASON;
  }

  /** Checks pending cancels whose target may be held now; removes what the keys open. */
  async process(targets: string[]): Promise<void> {
    const subs = this.c.store.subs;
    const unique = [...new Set(targets)];
    const recs = (await subs.cancels.getMany(unique)) as (PendingCancel | undefined)[];
    const stored = await this.c.store.getManyStored(unique);
    const open: string[] = [];
    const wrong: string[] = [];
    unique.forEach((id, i) => {
      const rec = recs[i];
      const s = stored[i];
      if (!rec) return;
      if (!s) return this.settle(id, 'pending');
      const lock = headerValue(s.article.headers, CANCEL_LOCK_HEADER);
      if (lock !== undefined && cancelKeyOpens(lock, rec.key)) open.push(id);
      else wrong.push(id);
    });
    if (wrong.length > 0) {
      this.c.logger.info({ targets: wrong.slice(0, 10), count: wrong.length }, 'cancel ignored: its key does not open the Cancel-Lock of the target');
      await this.c.ingest.write(wrong.map((id) => del(subs.cancels, id)));
      for (const id of wrong) {
        this.pending.delete(id);
        this.settle(id, 'ignored');
      }
    }
    if (open.length > 0) {
      const removed = await this.c.remover.remove(
        open.map((id) => ({ id, by: 'cancel' as const, reason: `cancelled by its poster (${recs[unique.indexOf(id)]!.cancel})` })),
        () => open.map((id) => del(subs.cancels, id)),
      );
      if (removed.length > 0) this.c.logger.info({ count: removed.length, targets: removed.slice(0, 10) }, 'articles cancelled by their posters');
      for (const id of open) {
        this.pending.delete(id);
        this.settle(id, 'removed');
      }
    }
  }

  /** Drops pending records older than the history window (bounded: at most PENDING_MAX). */
  async expire(): Promise<number> {
    const cutoff = this.c.clock.now() - this.init.windowMs;
    const old: string[] = [];
    for await (const [id, rec] of this.c.store.subs.cancels.iterator({ limit: PENDING_MAX })) if ((rec as PendingCancel).at < cutoff) old.push(id);
    if (old.length === 0) return 0;
    await this.c.ingest.write(old.map((id) => del(this.c.store.subs.cancels, id)));
    for (const id of old) this.pending.delete(id);
    return old.length;
  }
}
