/**
 * A small bounded cache of rendered group pages. An entry is only served while the group's
 * high-water mark is unchanged (any accepted article in the group moves it, and nothing else
 * changes a thread list) and within the same 15-second window (so "5 min ago" stays true).
 * The check costs one group-metadata read, which the page needs anyway. An lru-cache.
 */
import { LRUCache } from 'lru-cache';

export interface CachedPage {
  high: number;
  window: number;
  html: string;
}

export const PAGE_CACHE_WINDOW_MS = 15_000;

export class PageCache {
  /** Null when caching is off (`max` 0): lru-cache needs a positive bound. */
  private readonly entries: LRUCache<string, CachedPage> | null;

  constructor(max = 256) {
    this.entries = max > 0 ? new LRUCache<string, CachedPage>({ max }) : null;
  }

  get(key: string, high: number, window: number): string | undefined {
    const e = this.entries?.get(key);
    if (!e) return undefined;
    if (e.high !== high || e.window !== window) {
      this.entries?.delete(key);
      return undefined;
    }
    return e.html;
  }

  set(key: string, page: CachedPage): void {
    this.entries?.set(key, page);
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }
}
