/**
 * How far the V8 heap of a `newsmesh start` process may grow past its live set. V8 sizes the
 * old generation by the machine's memory (about 4 GiB on a 24 GiB box) and, under a steady
 * stream of short-lived articles (a mirror, a busy link), lets promoted garbage reach several
 * times the live set before a full collection: a 100,000-article mirror peaked at ~400 MB RSS
 * with ~45 MB live. A smaller growth factor keeps the peak near the live set for a few % more
 * GC time. The owner's own V8 heap flags (NODE_OPTIONS, node arguments) win.
 */
import { setFlagsFromString } from 'node:v8';

/** Default growth of the old generation past what survived the last full GC, in %. */
export const DEFAULT_HEAP_GROWING_PERCENT = 20;

/** Applies NEWSMESH_HEAP_GROWING_PERCENT (0: V8's own heuristics); returns the value applied, or null. */
export function boundHeapGrowth(env: NodeJS.ProcessEnv, nodeArgs: readonly string[]): number | null {
  const own = [...nodeArgs, env.NODE_OPTIONS ?? ''].some((a) => /--(max-old-space-size|heap-growing-percent|max-heap-size)/.test(a));
  if (own) return null;
  const raw = env.NEWSMESH_HEAP_GROWING_PERCENT;
  const v = raw === undefined || raw.trim() === '' ? DEFAULT_HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(v) || v <= 0) return null;
  setFlagsFromString(`--heap-growing-percent=${Math.min(v, 1000)}`);
  return Math.min(v, 1000);
}
