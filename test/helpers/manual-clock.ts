/**
 * A Clock that moves only when a test says so (`advance`), for time-driven behaviour that
 * would take days of real time: expiry, back-off, windows. Sleepers wake once the clock has
 * passed their deadline, in deadline order; an aborted sleep resolves at once, as the real one.
 * With MemoryNetwork (node/net/memory-transport.ts) it runs gossip and mirror in one process
 * with no wall-clock waits.
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

  /**
   * Moves time forward deadline by deadline: each due sleeper wakes at its own time, in order,
   * and the code it resumes gets a few turns of the event loop before the next one, so a loop
   * that sleeps again within `ms` wakes again (advance() wakes each sleeper once, at the end).
   */
  async run(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      for (const s of this.sleepers.filter((x) => x.at <= this.t)) s.wake();
    }
    this.t = end;
    await settle();
  }

  /** Sleepers waiting now (to wait until a loop has gone back to sleep). */
  get waiting(): number {
    return this.sleepers.length;
  }
}

/** A few turns of the event loop: what a woken sleeper needs to reach its next await on I/O or sleep. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
