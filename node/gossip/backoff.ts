/**
 * Reconnect waits for an unreachable peer (cf. innfeed/connection.c): doubling from `baseMs`
 * up to `capMs`, with full jitter in the upper half so that many nodes do not retry in step.
 * `random` is injected so tests can pin it.
 */
export interface BackoffInit {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export class Backoff {
  private failures = 0;

  constructor(private readonly init: BackoffInit) {}

  /** The wait before the next attempt, after one more failure. */
  next(): number {
    const exp = Math.min(this.init.capMs, this.init.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const r = (this.init.random ?? Math.random)();
    return Math.round(exp / 2 + (exp / 2) * r);
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
