/**
 * Recently accepted articles, already serialised for TAKETHIS, so a link that is keeping up
 * sends from memory instead of reading and re-encoding each body from LevelDB (once per
 * article, not once per link). An lru-cache bounded by bytes, least recently used dropped
 * first; a miss (a backlog after a restart) falls back to the store, so the cache never
 * decides what is delivered. Framing the bytes into requests is takethis-frames.ts's job.
 */
import { LRUCache } from 'lru-cache';
import type { Store } from '../store/store';

export class BodyCache {
  /** Null when caching is off (`maxBytes` 0): lru-cache needs a positive bound. */
  private readonly lru: LRUCache<string, Buffer> | null;

  constructor(maxBytes: number) {
    this.lru = maxBytes > 0 ? new LRUCache<string, Buffer>({ maxSize: maxBytes, sizeCalculation: (buf) => Math.max(1, buf.length) }) : null;
  }

  /** Keeps the article's JSON as UTF-8 bytes: encoded once, copied into every TAKETHIS. */
  set(id: string, json: string): void {
    if (!this.lru || this.lru.has(id)) return;
    this.lru.set(id, Buffer.from(json));
  }

  get(id: string): Buffer | undefined {
    return this.lru?.get(id);
  }

  /** Bytes held (tests and the bench read it). */
  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  /** Serialised articles of the ids, from memory or else the store (missing ones skipped). */
  async serialised(ids: string[], store: Store): Promise<Buffer[]> {
    const out: Buffer[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const buf = this.lru?.get(id);
      if (buf) out.push(buf);
      else missing.push(id);
    }
    if (missing.length > 0) for (const s of await store.getManyStored(missing)) if (s) out.push(Buffer.from(JSON.stringify(s.article)));
    return out;
  }
}
