/**
 * `--serve-rate N`: the most archive bodies (SENDME articles) this node serves per second, over
 * all clients together, so a public node cannot be drained by one mirror. A token bucket that
 * may go into debt: a request takes its articles' tokens and is paced (answered once the debt
 * is paid back) when the wait is short; beyond `maxWaitMs` it is refused with 429 and a
 * Retry-After, taking nothing. The bucket holds at most one second of tokens (the burst).
 */
import type { Clock } from '../clock';

export interface ServeRateInit {
  /** Articles per second; 0 or undefined: unlimited. */
  rate: number;
  /** Longest a request is held to pace it (longer: 429). */
  maxWaitMs?: number;
}

export type ServeDecision = { ok: true; granted: number; waitMs: number } | { ok: false; retryAfterMs: number };

export class ServeRate {
  private tokens: number;
  private at: number;
  private readonly maxWaitMs: number;
  /** Refusals so far (429s). */
  refused = 0;

  constructor(
    private readonly clock: Clock,
    private readonly init: ServeRateInit,
  ) {
    this.tokens = init.rate;
    this.at = clock.now();
    this.maxWaitMs = init.maxWaitMs ?? 1000;
  }

  /** Articles per second (0: unlimited). */
  get rate(): number {
    return this.init.rate;
  }

  get limited(): boolean {
    return this.init.rate > 0;
  }

  /**
   * Grants up to `articles` tokens, as many as fit in a wait of `maxWaitMs` (the caller serves
   * that many, names the rest as `more`, and sleeps `waitMs` before it answers). None fit: a
   * refusal saying how long until one does.
   */
  take(articles: number): ServeDecision {
    const { rate } = this.init;
    if (!(rate > 0) || articles <= 0) return { ok: true, granted: articles, waitMs: 0 };
    const now = this.clock.now();
    this.tokens = Math.min(rate, this.tokens + ((now - this.at) / 1000) * rate);
    this.at = now;
    const granted = Math.min(articles, Math.floor(this.tokens + (rate * this.maxWaitMs) / 1000));
    if (granted < 1) {
      this.refused++;
      return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) / rate) * 1000 - this.maxWaitMs) };
    }
    this.tokens -= granted;
    return { ok: true, granted, waitMs: this.tokens >= 0 ? 0 : (-this.tokens / rate) * 1000 };
  }
}
