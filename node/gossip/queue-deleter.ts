/**
 * Deletes answered entries from the outbound queues, coalescing the deletes of every link
 * into one LevelDB write while the previous write is in flight (the same group-commit idea
 * as the ingest). The deletes ride in the ingest's own commits (`write`), so a busy node
 * does one LevelDB write for its articles and its answered queue entries together. Losing a
 * pending delete in a crash only means the id is offered again and the peer answers that it
 * has it, so deferring them is safe.
 */
import type { BatchOp, Store } from '../store/store';

/** Writes one batch of ops atomically (the ingest's group commit in production). */
export type BatchWriter = (ops: BatchOp[]) => Promise<unknown>;

export class QueueDeleter {
  private pending: string[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly write: BatchWriter = (ops) => store.batch(ops),
  ) {}

  delete(keys: string[]): void {
    if (keys.length === 0) return;
    this.pending.push(...keys);
    this.writing ??= this.drain();
  }

  /** Resolves once every delete asked for so far is on disk. */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      for (let rounds = 0; this.pending.length > 0 && rounds < 1_000_000; rounds++) {
        const keys = this.pending;
        this.pending = [];
        const sublevel = this.store.subs.queues;
        await this.write(keys.map((key) => ({ type: 'del', sublevel, key }) as unknown as BatchOp)).catch(() => {
          // A failed write leaves the entries queued: they are offered again, nothing is lost.
        });
      }
    } finally {
      this.writing = null;
    }
  }
}
