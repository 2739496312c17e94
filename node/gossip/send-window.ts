/**
 * How much one link sends at once, so that every request finishes within the request timeout
 * (cf. TCP's congestion window, at the level of batches). A link that never timed out sends
 * full batches. Once a request timed out, batches (ids per IHAVE), TAKETHIS chunks and the
 * bytes of all batches in flight are held to what the link carried in half the timeout, as
 * measured on the batches it acknowledged: a slow link drains its backlog at its own rate
 * instead of timing out on batches it can never finish. Time comes in as arguments.
 */

export interface SendWindowInit {
  /** The most bytes in flight at once (batches in flight times the TAKETHIS chunk). */
  maxBytes: number;
  /** The TAKETHIS chunk on a fast link. */
  chunkBytes: number;
  /** The per-request timeout the window must fit in. */
  timeoutMs: number;
}

/** A batch's claim on the window. */
export interface WindowTicket {
  bytes: number;
  epoch: number;
  released?: boolean;
}

/** Never smaller: one batch of a few articles always goes (a single larger article goes alone). */
const MIN_BYTES = 16 * 1024;
/** Article size assumed before any was sent. */
const FIRST_AVG_BYTES = 4 * 1024;
/** Measurements older than about this fade, so the window follows a link whose rate changes. */
const HORIZON_MS = 10_000;

export class SendWindow {
  private bytes: number;
  private slow = false;
  private reserved = 0;
  private avgBytes = FIRST_AVG_BYTES;
  private acked = 0;
  private busyMs = 0;
  private busySince: number | null = null;
  /** Bumped at each cut, so the batches of one timed-out round cut the window once. */
  private epoch = 0;

  constructor(private readonly init: SendWindowInit) {
    this.bytes = init.maxBytes;
  }

  /** Ids the next batch may offer. */
  ids(idsMax: number): number {
    if (!this.slow) return idsMax;
    return Math.max(1, Math.min(idsMax, Math.floor(this.bytes / this.avgBytes)));
  }

  /** Whether another batch may start now: room for an article more (one batch always may when none is out). */
  get open(): boolean {
    return !this.slow || this.reserved === 0 || this.reserved + this.avgBytes <= this.bytes;
  }

  /** The TAKETHIS chunk size now. */
  get chunkBytes(): number {
    return this.slow ? Math.max(MIN_BYTES, Math.min(this.init.chunkBytes, this.bytes)) : this.init.chunkBytes;
  }

  /** The window in bytes, and whether a timeout has put it under measurement. */
  get state(): { bytes: number; slow: boolean } {
    return { bytes: this.bytes, slow: this.slow };
  }

  start(ids: number, now: number): WindowTicket {
    const bytes = ids * this.avgBytes;
    this.reserved += bytes;
    this.busySince ??= now;
    return { bytes, epoch: this.epoch };
  }

  /** The batch was answered; `sentBytes` of `sentCount` bodies were acknowledged. */
  end(t: WindowTicket, now: number, sentBytes: number, sentCount: number): void {
    this.release(t, now);
    if (sentCount > 0) this.avgBytes = 0.8 * this.avgBytes + 0.2 * (sentBytes / sentCount);
    this.acked += sentBytes;
    if (!this.slow || this.busyMs <= 0 || this.acked <= 0) return;
    const rate = this.acked / this.busyMs; // bytes per ms while the link had work
    this.bytes = Math.round(Math.max(MIN_BYTES, Math.min(this.init.maxBytes, (rate * this.init.timeoutMs) / 2)));
  }

  /** The batch's request ran out of time: the window shrinks to a quarter of what was out. */
  timedOut(t: WindowTicket, now: number): void {
    const out = this.reserved;
    if (t.released) return;
    this.release(t, now);
    if (t.epoch !== this.epoch) return;
    this.epoch++;
    this.slow = true;
    this.bytes = Math.max(MIN_BYTES, Math.floor(Math.min(this.bytes, out) / 4));
    // What was measured before is what did not fit: measure again from here.
    this.acked = 0;
    this.busyMs = 0;
  }

  /** The batch ended any other way (a failure that says nothing of the link's rate). */
  cancel(t: WindowTicket, now: number): void {
    this.release(t, now);
  }

  private release(t: WindowTicket, now: number): void {
    if (t.released) return;
    t.released = true;
    this.reserved = Math.max(0, this.reserved - t.bytes);
    if (this.busySince !== null) {
      this.busyMs += now - this.busySince;
      this.busySince = this.reserved > 0 ? now : null;
    }
    if (this.busyMs > HORIZON_MS) {
      this.busyMs /= 2;
      this.acked /= 2;
    }
  }
}
