/**
 * One peer's outbound queue (`queues` sublevel, keys `peer NUL pad(seq)` -> {id, at}) as the
 * link reads it: a cursor past the entries already taken, an in-memory tail of entries the
 * ingest committed since the last read (so a link that keeps up never reads LevelDB), and
 * the `later` entries waiting to be offered again. Entries leave the disk only by `done`,
 * after the peer answered for them; `reset` forgets the memory and re-reads from the head.
 */
import type { Store } from '../store/store';
import { prefixRange } from '../store/keys';
import type { QueueDeleter } from './queue-deleter';

export interface QueueEntry {
  key: string;
  id: string;
  at: number;
  /** How many times the peer answered `later` for it. */
  tries?: number;
}

interface LaterEntry extends QueueEntry {
  due: number;
  tries: number;
}

export interface OutboundQueueInit {
  /** Most entries per take (one IHAVE). */
  idsPerTake: number;
  /** Most entries remembered past the cursor before the store is read again. */
  tailMax: number;
  /** First re-offer delay of a `later` id; doubles per retry up to laterMaxMs. */
  laterDelayMs: number;
  laterMaxMs: number;
}

const LATER_GRID_MS = 250;

export class OutboundQueue {
  /** Entries on disk (counted at start, then kept by appended and done). */
  backlog = 0;
  private cursor: string | undefined;
  private tail: QueueEntry[] = [];
  private caughtUp = false;
  private tailOverflowed = false;
  private later: LaterEntry[] = [];
  /** Bumped by reset, so a store read that was running across a reset is thrown away. */
  private epoch = 0;
  private readonly range: { gt: string; lt: string };

  constructor(
    private readonly c: { store: Store; deleter: QueueDeleter },
    private readonly init: OutboundQueueInit,
    peer: string,
  ) {
    this.range = prefixRange(peer);
  }

  /** The ingest committed entries for this peer (called after the commit, in key order). */
  appended(entries: QueueEntry[]): void {
    this.backlog += entries.length;
    if (this.tail.length + entries.length > this.init.tailMax) {
      this.tail = [];
      this.tailOverflowed = true;
      this.caughtUp = false;
    } else this.tail.push(...entries);
  }

  /** Due `later` entries first, then entries past the cursor. */
  async take(now: number): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    if (this.later.length > 0) {
      const keep: LaterEntry[] = [];
      for (const l of this.later) (l.due <= now && out.length < this.init.idsPerTake ? out : keep).push(l);
      this.later = keep;
    }
    const room = this.init.idsPerTake - out.length;
    if (room <= 0) return out;
    if (this.caughtUp) {
      // Everything on disk past the cursor was announced by appended(): no store read needed.
      const fresh = this.tail.splice(0, room);
      if (fresh.length > 0) this.cursor = fresh[fresh.length - 1].key;
      return out.concat(fresh);
    }
    this.tailOverflowed = false;
    const epoch = this.epoch;
    // Reading from the head again: answered entries must be gone first, or they are re-offered.
    if (this.cursor === undefined) await this.c.deleter.flushed();
    const fresh: QueueEntry[] = [];
    const it = this.c.store.subs.queues.iterator({ gt: this.cursor ?? this.range.gt, lt: this.range.lt, limit: room });
    for await (const [key, v] of it) fresh.push({ key, id: v.id, at: v.at });
    // A reset during the read: moving the cursor now would skip what was in flight before it.
    if (epoch !== this.epoch) return [];
    if (fresh.length > 0) this.cursor = fresh[fresh.length - 1].key;
    const cursor = this.cursor;
    // A short read reached the end: from now on the tail (every entry committed since the read
    // began, minus those it returned) is exactly the queue past the cursor.
    if (fresh.length < room && !this.tailOverflowed) {
      this.caughtUp = true;
      if (cursor !== undefined) this.tail = this.tail.filter((e) => e.key > cursor);
    } else this.tail = [];
    return out.concat(fresh);
  }

  /**
   * The peer answered `later`: another peer is sending it the body, so the offer is repeated
   * only as a safety net, after a growing delay rounded up to a grid so that the ids of many
   * answers go out in one IHAVE (almost always to be told the peer has them by then).
   */
  postpone(entries: QueueEntry[], now: number): void {
    for (const e of entries) {
      const tries = (e.tries ?? 0) + 1;
      const due = now + Math.min(this.init.laterMaxMs, this.init.laterDelayMs * 2 ** (tries - 1));
      this.later.push({ ...e, tries, due: Math.ceil(due / LATER_GRID_MS) * LATER_GRID_MS });
    }
  }

  /** The peer answered for these: they leave the disk. */
  done(keys: string[]): void {
    if (keys.length === 0) return;
    this.c.deleter.delete(keys);
    this.backlog -= keys.length;
  }

  /** Forgets what is in memory; the next take reads from the head of the disk queue. */
  reset(): void {
    this.epoch++;
    this.cursor = undefined;
    this.later = [];
    this.tail = [];
    this.caughtUp = false;
  }

  /** ms until the earliest `later` entry is due, or undefined when none waits. */
  nextDueIn(now: number): number | undefined {
    if (this.later.length === 0) return undefined;
    let due = Infinity;
    for (const l of this.later) due = Math.min(due, l.due);
    return Math.max(1, due - now);
  }

  /** Age of the oldest entry on disk (0 when empty). */
  async lagMs(now: number): Promise<number> {
    for await (const e of this.c.store.subs.queues.values({ ...this.range, limit: 1 })) return Math.max(0, now - e.at);
    return 0;
  }

  async hasEntries(): Promise<boolean> {
    for await (const _ of this.c.store.subs.queues.keys({ ...this.range, limit: 1 })) return true;
    return false;
  }
}
