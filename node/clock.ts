/**
 * Time as a dependency: every part that waits or stamps takes a Clock, so tests can drive
 * time by hand and nothing calls Date.now()/setTimeout directly (STYLE.md section 2).
 * Two times: `now()` is the wall clock, for stamps a person or a peer reads (it can be
 * hours off and step back or forward); `monotonic()` only ever moves forward with elapsed
 * time, for every duration and deadline in memory (back-off, in-flight windows, retries).
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Wall time (ms since the epoch): dates, stamps, what is stored or sent. */
  now(): number;
  /** Elapsed ms from an arbitrary origin, never stepped: for durations, never stored. */
  monotonic(): number;
  /** Resolves after `ms`, or early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      signal?.addEventListener('abort', done, { once: true });
    }),
};
