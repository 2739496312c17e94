/**
 * Time as a dependency: every part that waits or stamps takes a Clock, so tests can drive
 * time by hand and nothing calls Date.now()/setTimeout directly (STYLE.md section 2).
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
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
