/**
 * Expires history records that are not `accepted` (older versions' rejections, tombstones of
 * articles that are gone) once they are older than `--history-days`. A background sweep walks
 * the time index (store/history-index.ts) from its oldest end, a bounded chunk per step, and
 * deletes through the ingest's write with a builder that re-reads each record inside the
 * commit, so an id accepted meanwhile keeps its record. Records from before the time index are
 * indexed once by a background pass that saves its cursor: start-up reads nothing.
 */
import { BackgroundJob } from '../background-job';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { NodePart, PartFactory } from '../part';
import { expireOps, HISTORY_INDEX_META, historyOps, parseTimeKey, timeBound, timeKey } from '../store/history-index';
import type { HistoryRecord } from '../store/records';
import type { BatchOp, Store } from '../store/store';
import type { Ingest } from './ingest';

export interface HistoryExpiryInit {
  /** Records older than this expire. */
  windowMs: number;
  /** Pause between sweeps. */
  sweepEveryMs: number;
  /** Records handled per step (one ingest write each). */
  chunk: number;
  /** Most steps per sweep; what is left waits for the next sweep. */
  maxSteps: number;
  /** Pause between the steps of the one-time pass over records from before the time index. */
  legacyPauseMs: number;
}

export const DEFAULT_HISTORY_DAYS = 30;
const DAY_MS = 24 * 3_600_000;

interface IndexState {
  done: boolean;
  after?: string;
}

const putMeta = (store: Store, value: IndexState): BatchOp => ({ type: 'put', sublevel: store.subs.meta, key: HISTORY_INDEX_META, value }) as unknown as BatchOp;

export class HistoryExpiry {
  private readonly job: BackgroundJob;

  constructor(
    private readonly c: { store: Store; ingest: Ingest; clock: Clock; logger: Logger },
    private readonly init: HistoryExpiryInit,
  ) {
    this.job = new BackgroundJob(c, { everyMs: init.sweepEveryMs, failed: 'history sweep failed; trying again at the next sweep' }, async () => {
      await this.indexLegacy();
      const expired = await this.sweep();
      if (expired > 0) this.c.logger.info({ expired }, 'history records expired');
    });
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** Whether every record from before the time index has been indexed. */
  async indexed(): Promise<boolean> {
    return ((await this.c.store.subs.meta.get(HISTORY_INDEX_META)) as IndexState | undefined)?.done === true;
  }

  /** The one-time pass over records written before the time index existed (bounded steps). */
  async indexLegacy(): Promise<void> {
    let state = ((await this.c.store.subs.meta.get(HISTORY_INDEX_META)) as IndexState | undefined) ?? { done: false };
    while (!state.done && !this.job.stopped) {
      const found: [string, HistoryRecord][] = [];
      for await (const entry of this.c.store.subs.history.iterator({ ...(state.after !== undefined ? { gt: state.after } : {}), limit: this.init.chunk })) found.push(entry);
      const next: IndexState = found.length < this.init.chunk ? { done: true } : { done: false, after: found[found.length - 1][0] };
      const subs = this.c.store.subs;
      await this.c.ingest.write((view) => {
        const ops: BatchOp[] = [];
        for (const [id] of found) {
          const h = view.history(id);
          // An owner's tombstone stands for good: it gets no time-index entry (store/history-index.ts).
          if (h && h.s !== 'a' && !(h.s === 'g' && h.by === 'owner')) ops.push(...historyOps(subs, id, h).slice(1));
        }
        ops.push(putMeta(this.c.store, next));
        return ops;
      });
      state = next;
      if (!state.done && this.init.legacyPauseMs > 0) await this.job.pause(this.init.legacyPauseMs);
    }
  }

  /** Expires what is older than the window, at most maxSteps chunks; returns how many records went. */
  async sweep(): Promise<number> {
    const cutoff = this.c.clock.now() - this.init.windowMs;
    const subs = this.c.store.subs;
    let expired = 0;
    for (let step = 0; step < this.init.maxSteps && !this.job.stopped; step++) {
      const keys: string[] = [];
      for await (const k of subs.historyByTime.keys({ lt: timeBound(cutoff), limit: this.init.chunk })) keys.push(k);
      if (keys.length === 0) break;
      await this.c.ingest.write((view) =>
        keys.flatMap((k) => {
          const { at, id } = parseTimeKey(k);
          const h = view.history(id);
          // Rewritten since (accepted now, or a newer record with its own entry): only the entry goes.
          const current = h !== undefined && h.s !== 'a' && timeKey(h.at, id) === timeKey(at, id);
          if (current) expired++;
          return expireOps(subs, k, current);
        }),
      );
      if (keys.length < this.init.chunk) break;
    }
    return expired;
  }
}

/** The node part that runs the sweep (`--history-days`, default 30). */
export const historyExpiryPart: PartFactory = (components): NodePart => {
  const expiry = new HistoryExpiry(
    { ...components, logger: components.logger.child({ component: 'history' }) },
    { windowMs: components.config.historyDays * DAY_MS, sweepEveryMs: 3_600_000, chunk: 1_000, maxSteps: 100, legacyPauseMs: 50 },
  );
  return { name: 'history', start: async () => expiry.start(), stop: () => expiry.stop() };
};
