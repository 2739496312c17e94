/**
 * One peer's outbound queue as its link reads it (the rows are FeedQueues'): a cursor past the
 * entries already taken, an in-memory tail of entries committed since the last read (so a
 * link that keeps up never reads LevelDB), and the `later` entries waiting to be offered
 * again. Entries leave the disk by `done`, after the peer answered for them, or, past
 * `--max-queue`, the oldest not yet taken are dropped (counted in `dropped`) so a peer that
 * never returns cannot grow the disk without bound. `reset` forgets the memory and re-reads
 * from the head.
 */
import type { Logger } from '../logger';
import type { FeedQueues, QueueEntry } from './feed-queues';

export type { QueueEntry } from './feed-queues';

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
/** Rows dropped per delete when the queue is over its cap. */
const DROP_CHUNK = 10_000;

export class OutboundQueue {
  /** Entries on disk (counted at start, then kept by appended, done and drops). */
  backlog = 0;
  /** Entries dropped past --max-queue since the node started. */
  dropped = 0;
  private cursor: string | undefined;
  private tail: QueueEntry[] = [];
  private caughtUp = false;
  private tailOverflowed = false;
  private later: LaterEntry[] = [];
  /** Bumped by reset, so a store read that was running across a reset is thrown away. */
  private epoch = 0;
  /** Takes and drops read the same rows: one at a time, or a dropped row could also be sent. */
  private turn: Promise<unknown> = Promise.resolve();
  private dropping = false;

  constructor(
    private readonly c: { queues: FeedQueues; logger?: Logger },
    private readonly init: OutboundQueueInit,
    private readonly peer: string,
  ) {}

  /** The ingest committed entries for this peer (called after the commit, in key order). */
  appended(entries: QueueEntry[]): void {
    this.backlog += entries.length;
    if (this.tail.length + entries.length > this.init.tailMax) {
      this.tail = [];
      this.tailOverflowed = true;
      this.caughtUp = false;
    } else this.tail.push(...entries);
    this.keepUnderCap();
  }

  /** Over --max-queue: drop (one drop at a time; entries appended meanwhile are seen after it). */
  private keepUnderCap(): void {
    if (this.backlog <= this.c.queues.maxQueue || this.dropping) return;
    this.dropping = true;
    void this.inTurn(() => this.dropOldest())
      .catch((err: unknown) => this.c.logger?.warn({ err }, 'cannot drop queue entries past --max-queue; trying again at the next article'))
      .finally(() => {
        this.dropping = false;
        this.keepUnderCap();
      });
  }

  /** Due `later` entries first, then entries past the cursor; at most `max` (a slow link takes fewer). */
  take(now: number, max = this.init.idsPerTake): Promise<QueueEntry[]> {
    return this.inTurn(() => this.takeNow(now, Math.max(1, Math.min(max, this.init.idsPerTake))));
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async takeNow(now: number, max: number): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    if (this.later.length > 0) {
      const keep: LaterEntry[] = [];
      for (const l of this.later) (l.due <= now && out.length < max ? out : keep).push(l);
      this.later = keep;
    }
    const room = max - out.length;
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
    if (this.cursor === undefined) await this.c.queues.flushed();
    const fresh = await this.c.queues.read(this.peer, this.cursor, room);
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
   * Drops the oldest entries not yet taken until the queue is a tenth under its cap (so drops
   * come in chunks, not one per article). Taken entries stay: their answer is on its way.
   */
  private async dropOldest(): Promise<void> {
    const max = this.c.queues.maxQueue;
    let excess = this.backlog - (max - Math.floor(max / 10));
    let total = 0;
    while (excess > 0) {
      const epoch = this.epoch;
      if (this.cursor === undefined) await this.c.queues.flushed();
      const keys = await this.c.queues.keys(this.peer, this.cursor, Math.min(DROP_CHUNK, excess));
      if (epoch !== this.epoch || keys.length === 0) break;
      excess -= keys.length;
      const last = keys[keys.length - 1];
      this.c.queues.delete(keys);
      this.backlog -= keys.length;
      this.dropped += keys.length;
      total += keys.length;
      // Past the dropped rows at once: their deletes may land after the next read.
      this.cursor = last;
      this.tail = this.tail.filter((e) => e.key > last);
    }
    if (total > 0) this.c.logger?.warn({ dropped: total, droppedSinceStart: this.dropped, maxQueue: max }, 'queue over --max-queue: the oldest entries were dropped');
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
    this.c.queues.delete(keys);
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
    const at = await this.c.queues.oldestAt(this.peer);
    return at === undefined ? 0 : Math.max(0, now - at);
  }

  hasEntries(): Promise<boolean> {
    return this.c.queues.hasEntries(this.peer);
  }
}
