/**
 * Backpressure for the ingest: at most `maxWaiting` articles wait for the writer; a submitter
 * past that waits here, in arrival order, instead of the queue growing without bound. Peers,
 * mirrors and imports wait as long as it takes (their own requests time out and back off);
 * the owner's posts wait at most `localWaitMs`, then get a 503 with the reason. A submission
 * larger than the whole room is let in alone once the queue is empty, so nothing waits forever.
 */
import type { Clock } from '../clock';
import { NmError } from '../errors';

interface Waiter {
  n: number;
  go: () => void;
}

export class WaitingRoom {
  /** Articles admitted and not yet taken into a commit. */
  private inside = 0;
  private readonly line: Waiter[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly init: { maxWaiting: number; localWaitMs: number },
  ) {}

  get waiting(): number {
    return this.inside;
  }

  /** Admits `n` articles: null when they may go in now (counted), else a promise of admission. */
  enter(n: number, bounded: boolean): Promise<void> | null {
    if (this.line.length === 0 && this.fits(n)) {
      this.inside += n;
      return null;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { n, go: resolve };
      this.line.push(waiter);
      if (!bounded) return;
      const admitted = new AbortController();
      waiter.go = () => {
        admitted.abort();
        resolve();
      };
      void this.clock.sleep(this.init.localWaitMs, admitted.signal).then(() => {
        if (admitted.signal.aborted) return;
        const at = this.line.indexOf(waiter);
        if (at >= 0) this.line.splice(at, 1);
        reject(
          new NmError(
            'NM_ERR_UNAVAILABLE',
            `the node is busy: ${this.inside} articles are waiting to be written and this post found no room within ${Math.round(this.init.localWaitMs / 1000)} s; retry later`,
          ),
        );
        this.letIn();
      });
    });
  }

  /** The writer took `n` articles into a commit: room for the next in line. */
  left(n: number): void {
    this.inside = Math.max(0, this.inside - n);
    this.letIn();
  }

  private fits(n: number): boolean {
    return this.inside === 0 || this.inside + n <= this.init.maxWaiting;
  }

  private letIn(): void {
    while (this.line.length > 0 && this.fits(this.line[0].n)) {
      const w = this.line.shift()!;
      this.inside += w.n;
      w.go();
    }
  }
}
