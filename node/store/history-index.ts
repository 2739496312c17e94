/**
 * History records that are not `accepted` (the rejections older versions wrote, the tombstones
 * of articles that are gone) expire after `--history-days`: each is written together with an
 * entry in `historyByTime` (`pad(at) NUL id`), and the sweep (node/ingest/history-expiry.ts)
 * walks that index from its oldest end. Accepted records never expire: their article is here.
 * Whoever writes such a record writes it with `historyOps`, in the same batch.
 */
import type { Sublevels } from './db';
import { key, lastPart, pad, SEP } from './keys';
import type { HistoryRecord } from './records';
import type { BatchOp } from './store';

/** meta key of the one-time pass that indexes records from before the time index: { done, after? }. */
export const HISTORY_INDEX_META = 'historyIndex';

const put = (sublevel: unknown, k: string, value: unknown): BatchOp => ({ type: 'put', sublevel, key: k, value }) as unknown as BatchOp;
const del = (sublevel: unknown, k: string): BatchOp => ({ type: 'del', sublevel, key: k }) as unknown as BatchOp;

/** The time-index key of a record written at `at` (ms). */
export const timeKey = (at: number, id: string): string => key(pad(Math.max(0, Math.floor(at))), id);

/** The id and time of a time-index key. */
export function parseTimeKey(k: string): { at: number; id: string } {
  const cut = k.indexOf(SEP);
  return { at: Number.parseInt(k.slice(0, cut), 10), id: k.slice(cut + 1) };
}

/** The upper bound (exclusive) of the time-index keys written before `at`. */
export const timeBound = (at: number): string => pad(Math.max(0, Math.floor(at)));

/** Writes a history record; one that is not `accepted` also gets its time-index entry. */
export function historyOps(subs: Sublevels, id: string, rec: HistoryRecord): BatchOp[] {
  const ops = [put(subs.history, id, rec)];
  if (rec.s !== 'a') ops.push(put(subs.historyByTime, timeKey(rec.at, id), id));
  return ops;
}

/** Drops a time-index entry, and the history record it names when `alsoRecord`. */
export function expireOps(subs: Sublevels, k: string, alsoRecord: boolean): BatchOp[] {
  const ops = [del(subs.historyByTime, k)];
  if (alsoRecord) ops.push(del(subs.history, lastPart(k)));
  return ops;
}

/**
 * The tombstone of an article removed on purpose (node/takedown): an owner's removal stands for
 * good (no time-index entry, so the sweep never drops it; check.ts knows), a cancel's or an
 * expiry's lasts --history-days, as long as peers may still offer the id.
 */
export function tombstoneOps(subs: Sublevels, id: string, rec: HistoryRecord & { s: 'g' }): BatchOp[] {
  return rec.by === 'owner' ? [put(subs.history, id, rec)] : historyOps(subs, id, rec);
}
