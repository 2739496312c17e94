/**
 * The one polling helper of the suites: tests wait for a condition with a deadline, never for
 * a fixed time. A probe answers a value when the condition holds, or undefined/null/false
 * when not yet; a probe that throws counts as "not yet", and its last error is in the timeout
 * message, so a node still starting or a request refused mid-way does not end the wait early.
 */

export interface WaitOptions {
  /** Fails after this long (default 15 s). */
  timeoutMs?: number;
  /** Pause between probes (default 20 ms). */
  everyMs?: number;
}

export type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

/** Resolves with the probe's first value that is not undefined, null or false; `opts` may be the timeout alone. */
export async function waitFor<T>(what: string, probe: Probe<T>, opts: WaitOptions | number = {}): Promise<T> {
  const { timeoutMs = 15_000, everyMs = 20 } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `; last error: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await pause(everyMs);
  }
}

/** Rejects when `promise` has not settled within `ms` (bounds what a test waits on). */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
