/**
 * Per-peer link figures for GET /api/peers (process lifetime, like the node's Metrics):
 * what we offered and sent and how the peer answered, and what it offered and sent us.
 */
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

  duplicateRatio(): number {
    return this.sent === 0 ? 0 : this.duplicate / this.sent;
  }
}
