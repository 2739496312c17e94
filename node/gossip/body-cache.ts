/**
 * Recently accepted articles, already serialised for TAKETHIS, so a link that is keeping up
 * sends from memory instead of reading and re-encoding each body from LevelDB (once per
 * article, not once per link). Bounded by bytes, oldest dropped first; a miss (a backlog
 * after a restart) falls back to the store, so the cache never decides what is delivered.
 */
export class BodyCache {
  private readonly map = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  set(id: string, json: string): void {
    if (this.maxBytes <= 0 || this.map.has(id)) return;
    this.map.set(id, json);
    this.bytes += json.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }

  get(id: string): string | undefined {
    return this.map.get(id);
  }
}
