/**
 * Recently accepted articles, already serialised for TAKETHIS, so a link that is keeping up
 * sends from memory instead of reading and re-encoding each body from LevelDB (once per
 * article, not once per link). Bounded by bytes, oldest dropped first; a miss (a backlog
 * after a restart) falls back to the store, so the cache never decides what is delivered.
 * Also cuts serialised articles into TAKETHIS-sized chunks.
 */
import { LIMITS } from '../../protocol/limits';
import type { Store } from '../store/store';

export class BodyCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Keeps the article's JSON as UTF-8 bytes: encoded once, copied into every TAKETHIS. */
  set(id: string, json: string): void {
    if (this.maxBytes <= 0 || this.map.has(id)) return;
    const buf = Buffer.from(json);
    this.map.set(id, buf);
    this.bytes += buf.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }

  get(id: string): Buffer | undefined {
    return this.map.get(id);
  }

  /** Serialised articles of the ids, from memory or else the store (missing ones skipped). */
  async serialised(ids: string[], store: Store): Promise<Buffer[]> {
    const out: Buffer[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const buf = this.map.get(id);
      if (buf) out.push(buf);
      else missing.push(id);
    }
    if (missing.length > 0) for (const s of await store.getManyStored(missing)) if (s) out.push(Buffer.from(JSON.stringify(s.article)));
    return out;
  }
}

const OPEN = Buffer.from('{"articles":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/** TAKETHIS bodies of at most `maxBytes` of articles each (one article at least), ready to send. */
export function takethisBodies(articles: Buffer[], maxBytes: number): { body: Buffer; count: number }[] {
  const out: { body: Buffer; count: number }[] = [];
  let parts: Buffer[] = [OPEN];
  let count = 0;
  let bytes = 0;
  const close = () => {
    parts.push(CLOSE);
    out.push({ body: Buffer.concat(parts), count });
  };
  for (const a of articles) {
    if (count > 0 && (bytes + a.length > maxBytes || count >= LIMITS.articlesPerBatchMax)) {
      close();
      parts = [OPEN];
      count = 0;
      bytes = 0;
    }
    if (count > 0) parts.push(COMMA);
    parts.push(a);
    count++;
    bytes += a.length + 1;
  }
  if (count > 0) close();
  return out;
}
