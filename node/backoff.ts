/**
 * The one back-off of the node (cf. innfeed/connection.c): waits that double from `baseMs` up
 * to `capMs`, then jittered within `jitter` (fractions of that wait) so that many nodes do not
 * retry in step. The doubling and cap come from the `retry` package's createTimeout; only
 * the jitter is ours, because retry's own (x1 to x2, after the cap) would let a wait pass the
 * cap and change every caller's timing. Callers sleep on their Clock: nothing here waits.
 * Used by the gossip and NNTP feed links (reconnects), the gossip engine (peer start-up), the
 * mirror runner (retries), and, without jitter, the hello address limiter and the web
 * password back-off (penalties). `random` is injected so tests can pin it.
 */
import { createTimeout } from 'retry';

export interface BackoffInit {
  baseMs: number;
  capMs: number;
  /** The wait is drawn from [lo, hi] times the doubled wait; upper half [0.5, 1] by default. */
  jitter?: readonly [lo: number, hi: number];
  random?: () => number;
}

/** Jitter of reconnect waits: full jitter in the upper half, never past the cap. */
export const UPPER_HALF: readonly [number, number] = [0.5, 1];

/** No jitter: for penalties a client earns (its Retry-After should be exact). */
export const EXACT: readonly [number, number] = [1, 1];

/** The wait before attempt `failures` (0 = the first retry), jittered. */
export function backoffDelay(failures: number, init: BackoffInit): number {
  // createTimeout floors minTimeout at 1 ms; a base of 0 means "no wait" here.
  if (init.baseMs <= 0) return 0;
  const exp = createTimeout(Math.min(failures, 30), { factor: 2, minTimeout: init.baseMs, maxTimeout: init.capMs, randomize: false });
  const [lo, hi] = init.jitter ?? UPPER_HALF;
  const r = (init.random ?? Math.random)();
  return Math.round(exp * (lo + (hi - lo) * r));
}

/** Failures counted since the last success, and the wait each one earns. */
export class Backoff {
  private failures = 0;

  constructor(private readonly init: BackoffInit) {}

  /** The wait before the next attempt, after one more failure. */
  next(): number {
    const wait = backoffDelay(this.failures, this.init);
    this.failures++;
    return wait;
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
