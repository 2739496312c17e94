/**
 * A real-time Clock whose wall time is off by a settable amount, as on a machine with a wrong
 * clock, and can jump (an NTP step, a person setting the date). Sleeps are real timers, which
 * follow elapsed time, not the wall clock (as Node's do), and `monotonic()` does not jump:
 * only `now()` does. For the clock-trouble suites; ManualClock is for time a test drives.
 */
import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../../node/clock';
import { recordFaults } from './fault-figures';

export class SkewedClock implements Clock {
  constructor(private offsetMs = 0) {
    if (offsetMs !== 0) recordFaults({ kind: 'clock-skew', ms: offsetMs });
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Elapsed time that no wall-clock step changes. */
  monotonic(): number {
    return performance.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /** Steps the wall clock by `ms` (negative: back in time). */
  jump(ms: number): void {
    recordFaults({ kind: 'clock-step', ms });
    this.offsetMs += ms;
  }

  get offset(): number {
    return this.offsetMs;
  }
}
