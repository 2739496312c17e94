/**
 * The per-peer outbound queues (`queues` sublevel), owned here alone: the key layout
 * (`peer NUL pad(seq)` -> { id, at }), the rows the feed hook adds to an accepted article's own
 * commit (feed-hook.ts), the deletes of answered or dropped rows (coalesced while one write is
 * out, riding the ingest's group commit through its plain write), the reads of each link's
 * OutboundQueue, the count at start and the clearing of a forgotten peer. Losing a pending
 * delete in a crash only means the id is offered again and the peer answers that it has it.
 */
import type { BatchOp, Store } from '../store/store';
import { key, prefixRange, SEP } from '../store/keys';

export interface QueueEntry {
  key: string;
  id: string;
  at: number;
  /** How many times the peer answered `later` for it. */
  tries?: number;
}

/** Writes ops in the next group commit (Ingest.write in a node). */
export type QueueWriter = (ops: BatchOp[]) => Promise<unknown>;

export class FeedQueues {
  private pending: string[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly write: QueueWriter,
    /** Most rows per peer (`--max-queue`); each link's OutboundQueue drops the oldest past it. */
    readonly maxQueue: number = Number.MAX_SAFE_INTEGER,
  ) {}

  /** The row that queues `id` (accepted as `seq`) for `peer`, and its entry. */
  row(peer: string, seq: number, id: string, at: number): { op: BatchOp; entry: QueueEntry } {
    const k = key(peer, seq);
    return { op: { type: 'put', sublevel: this.store.subs.queues, key: k, value: { id, at } } as unknown as BatchOp, entry: { key: k, id, at } };
  }

  /** Deletes rows; they leave the disk with the next commit. */
  delete(keys: string[]): void {
    if (keys.length === 0) return;
    this.pending.push(...keys);
    this.writing ??= this.drain();
  }

  /** Resolves once every delete asked for so far is written (or failed and given up). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Entries of `peer` after `after` (a key; the head when undefined), at most `limit`. */
  async read(peer: string, after: string | undefined, limit: number): Promise<QueueEntry[]> {
    const range = prefixRange(peer);
    const out: QueueEntry[] = [];
    for await (const [k, v] of this.store.subs.queues.iterator({ gt: after ?? range.gt, lt: range.lt, limit })) out.push({ key: k, id: v.id, at: v.at });
    return out;
  }

  /** Keys of `peer` after `after`, at most `limit` (what dropping the oldest untaken rows reads). */
  async keys(peer: string, after: string | undefined, limit: number): Promise<string[]> {
    const range = prefixRange(peer);
    const out: string[] = [];
    for await (const k of this.store.subs.queues.keys({ gt: after ?? range.gt, lt: range.lt, limit })) out.push(k);
    return out;
  }

  /** When the oldest row of `peer` was queued, or undefined when it has none. */
  async oldestAt(peer: string): Promise<number | undefined> {
    for await (const e of this.store.subs.queues.values({ ...prefixRange(peer), limit: 1 })) return e.at;
    return undefined;
  }

  async hasEntries(peer: string): Promise<boolean> {
    return (await this.oldestAt(peer)) !== undefined;
  }

  /** Rows per peer, by keys only; the rows of peers `known` denies are cleared. */
  async counts(known: (peer: string) => boolean): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const orphans = new Set<string>();
    for await (const k of this.store.subs.queues.keys()) {
      const peer = k.slice(0, k.indexOf(SEP));
      if (known(peer)) counts.set(peer, (counts.get(peer) ?? 0) + 1);
      else orphans.add(peer);
    }
    for (const p of orphans) await this.clear(p);
    return counts;
  }

  /** Drops every row of a peer (a range delete, which no batch can hold). */
  async clear(peer: string): Promise<void> {
    await this.store.subs.queues.clear(prefixRange(peer));
  }

  private async drain(): Promise<void> {
    try {
      for (let rounds = 0; this.pending.length > 0 && rounds < 1_000_000; rounds++) {
        const keys = this.pending;
        this.pending = [];
        const sublevel = this.store.subs.queues;
        await this.write(keys.map((k) => ({ type: 'del', sublevel, key: k }) as unknown as BatchOp)).catch(() => {
          // A failed write leaves the rows queued: they are offered again, nothing is lost.
        });
      }
    } finally {
      this.writing = null;
    }
  }
}
