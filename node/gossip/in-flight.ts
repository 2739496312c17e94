/**
 * Ids this node asked a peer for (answered `sendme`) and whose body has not arrived yet
 * (cf. INN's innd/wip.c). A second offer of such an id gets `later`, so each body crosses
 * each link at most once. A mark expires after `ttlMs`, so an id whose sender died
 * mid-transfer is taken from the next peer that offers it.
 */
import type { Clock } from '../clock';

export class InFlight {
  private readonly marks = new Map<string, { peer: string; until: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /**
   * True when another peer is still expected to deliver `id`. The same peer offering it
   * again is retrying a transfer that failed on its side, so it may send it.
   */
  busy(id: string, peer: string, now = this.clock.now()): boolean {
    const m = this.marks.get(id);
    if (!m || m.peer === peer) return false;
    if (m.until > now) return true;
    this.marks.delete(id);
    return false;
  }

  mark(id: string, peer: string, now = this.clock.now()): void {
    this.marks.set(id, { peer, until: now + this.ttlMs });
  }

  clear(id: string): void {
    this.marks.delete(id);
  }

  /** Drops expired marks; called now and then so the map stays bounded. */
  sweep(now = this.clock.now()): void {
    for (const [id, m] of this.marks) if (m.until <= now) this.marks.delete(id);
  }

  get size(): number {
    return this.marks.size;
  }
}
