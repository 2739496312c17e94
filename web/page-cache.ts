/**
 * A small bounded cache of rendered group pages. An entry is only served while the group's
 * high-water mark is unchanged (any accepted article in the group moves it, and nothing else
 * changes a thread list) and within the same 15-second window (so "5 min ago" stays true).
 * The check costs one group-metadata read, which the page needs anyway.
 */
export interface CachedPage {
  high: number;
  window: number;
  html: string;
}

export const PAGE_CACHE_WINDOW_MS = 15_000;

export class PageCache {
  private readonly entries = new Map<string, CachedPage>();

  constructor(private readonly max = 256) {}

  get(key: string, high: number, window: number): string | undefined {
    if (this.max === 0) return undefined;
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.high !== high || e.window !== window) {
      this.entries.delete(key);
      return undefined;
    }
    // Map order is insertion order: re-inserting makes this the most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.html;
  }

  set(key: string, page: CachedPage): void {
    if (this.max === 0) return;
    this.entries.delete(key);
    this.entries.set(key, page);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
