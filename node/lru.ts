/**
 * The node's one way to make an lru-cache whose entries expire: on the node's Clock, so time
 * in tests is the manual clock's and nothing reads the wall clock behind the Clock's back.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from './clock';

/** An LRU on the node's clock (lru-cache's own time source would be the wall clock). */
export function clockedLru<K extends {}, V extends {}>(clock: Clock, opts: Omit<LRUCache.OptionsMaxLimit<K, V, unknown>, 'perf' | 'ttlResolution'>): LRUCache<K, V> {
  // ttlResolution 0: no internal timer to cache the time, the clock is asked each time.
  // Durations on the monotonic clock: a wall clock stepped back must not keep entries for hours.
  return new LRUCache<K, V>({ ...opts, perf: { now: () => clock.monotonic() }, ttlResolution: 0 });
}
