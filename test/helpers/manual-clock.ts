/**
 * A Clock that moves only when a test says so (`advance`), for time-driven behaviour that
 * would take days of real time: expiry, back-off, windows. Sleepers wake once the clock has
 * passed their deadline, in deadline order; an aborted sleep resolves at once, as the real one.
 */
import type { Clock } from '../../node/clock';

interface Sleeper {
  at: number;
  wake: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private sleepers: Sleeper[] = [];

  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** Moves with `advance` as the wall time does (a manual clock never steps). */
  monotonic(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const s: Sleeper = {
        at: this.t + Math.max(0, ms),
        wake: () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          signal?.removeEventListener('abort', s.wake);
          resolve();
        },
      };
      this.sleepers.push(s);
      signal?.addEventListener('abort', s.wake, { once: true });
    });
  }

  /** Moves time forward and wakes every sleeper whose deadline has come. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t).sort((a, b) => a.at - b.at);
    for (const s of due) s.wake();
  }

  /** Sleepers waiting now (to wait until a loop has gone back to sleep). */
  get waiting(): number {
    return this.sleepers.length;
  }
}
