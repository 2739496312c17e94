/**
 * Deletes answered entries from the outbound queues, coalescing the deletes of every link
 * into one LevelDB write while the previous write is in flight (the same group-commit idea
 * as the ingest). Losing a pending delete in a crash only means the id is offered again and
 * the peer answers that it has it, so deferring them is safe.
 */
import type { Store } from '../store/store';

export class QueueDeleter {
  private pending: string[] = [];
  private writing: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

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
        await this.store.subs.queues.batch(keys.map((key) => ({ type: 'del' as const, key }))).catch(() => {
          // A failed write leaves the entries queued: they are offered again, nothing is lost.
        });
      }
    } finally {
      this.writing = null;
    }
  }
}
