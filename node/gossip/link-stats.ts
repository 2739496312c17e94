/**
 * Per-peer link figures for GET /api/peers (process lifetime, like the node's Metrics):
 * what we offered and sent and how the peer answered, what it offered and sent us, and how
 * well it delivers what it offers. That last one sets its priority: a peer whose offers are
 * mostly left undelivered lately is `low` (see Receiver) until deliveries outweigh it again.
 */
export type Priority = 'normal' | 'low';

/** Delivery scores halve every this long, so an old blip is forgotten. */
const HALF_LIFE_MS = 10 * 60_000;
/** Low priority takes a few recent misses (decayed, so 3 fresh ones stay over 2 for minutes), and more than one in five asked-for bodies missed. */
const LOW_MIN_MISSES = 2;
const LOW_MISS_SHARE = 0.2;

export class LinkStats {
  /** Ids we offered in IHAVE. */
  offered = 0;
  /** Bodies we pushed with TAKETHIS. */
  sent = 0;
  /** The peer's verdicts on what we sent. */
  accepted = 0;
  duplicate = 0;
  rejected = 0;
  /** Ids the peer offered us, and bodies it sent us. */
  offersReceived = 0;
  bodiesReceived = 0;
  /** Times the watchdog restarted a stalled link. */
  restarts = 0;
  /** Bodies we asked the peer for (sendme) that it delivered in time, and that it did not. */
  fulfilled = 0;
  unfulfilled = 0;
  private recentHits = 0;
  private recentMisses = 0;
  private scoredAt = 0;

  duplicateRatio(): number {
    return this.sent === 0 ? 0 : this.duplicate / this.sent;
  }

  /** The peer delivered a body it held the in-flight mark for. */
  delivered(now: number): void {
    this.decay(now);
    this.fulfilled++;
    this.recentHits++;
  }

  /** The peer's in-flight mark expired without the body. */
  missed(now: number): void {
    this.decay(now);
    this.unfulfilled++;
    this.recentMisses++;
  }

  priority(now: number): Priority {
    this.decay(now);
    const m = this.recentMisses;
    return m >= LOW_MIN_MISSES && m > LOW_MISS_SHARE * (m + this.recentHits) ? 'low' : 'normal';
  }

  private decay(now: number): void {
    const dt = now - this.scoredAt;
    // The wall clock stepped back: start decaying from here rather than freeze until it catches up.
    if (dt < 0) this.scoredAt = now;
    if (dt <= 0) return;
    const f = 0.5 ** (dt / HALF_LIFE_MS);
    this.recentHits *= f;
    this.recentMisses *= f;
    this.scoredAt = now;
  }
}
