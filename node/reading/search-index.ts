/**
 * The full-text index: a flexsearch Document held in memory (subject, from and the body's own
 * lines, quotes left out, at most INDEXED_BODY_CHARS of it), keyed by the article's node-wide
 * seq. It keeps the few fields a result line needs, so a search reads the store only for the
 * page of hits it shows. Saving and loading go through `chunks()` / `load()`; the cursor
 * that says how far the index got is saved with the chunks by the indexer.
 */
import { Charset, Document, Encoder } from 'flexsearch';
import type { SearchSort } from '../../protocol/reading';
import { SEARCH_LIMITS } from '../../protocol/reading';

/** Body text indexed per article: bounded, so a 16 MiB body costs what a 4 KiB one does. */
export const INDEXED_BODY_CHARS = 4096;
/** Most matches looked at for one query: best-first pages stop early, newest-first sorts these. */
export const MATCH_CAP = 5000;
const BEST_CAP = 1000;

export interface IndexedFields {
  id: string;
  groups: string[];
  nums: number[];
  subject: string;
  from: string;
  date: string;
}

export interface IndexHit extends IndexedFields {
  seq: number;
}

type Doc = { [key: string]: string | number | string[] | number[] } & IndexedFields & { seq: number; text: string };

/** The body's own words: quoted lines (`>`) repeat other articles and are left out. */
export function indexedBody(body: string): string {
  let out = '';
  for (const line of body.split('\n')) {
    if (/^\s?>/.test(line)) continue;
    out += `${line}\n`;
    if (out.length >= INDEXED_BODY_CHARS) return out.slice(0, INDEXED_BODY_CHARS);
  }
  return out;
}

export class SearchIndex {
  private doc = SearchIndex.create();
  private count = 0;
  /** The same normalisation the index applies (lower case, accents folded), for marking matches. */
  readonly encoder = new Encoder(Charset.Normalize);

  private static create() {
    return new Document<Doc>({
      document: {
        id: 'seq',
        index: [{ field: 'text', tokenize: 'strict', encoder: Charset.Normalize, resolution: 9 }],
        store: ['id', 'groups', 'nums', 'subject', 'from', 'date'],
      },
      fastupdate: false,
      cache: false,
    });
  }

  get size(): number {
    return this.count;
  }

  has(seq: number): boolean {
    return this.doc.contain(seq);
  }

  add(seq: number, f: IndexedFields, body: string): void {
    if (this.doc.contain(seq)) return;
    this.doc.add({ ...f, seq, text: `${f.subject}\n${f.from}\n${indexedBody(body)}` });
    this.count++;
  }

  remove(seq: number): void {
    if (!this.doc.contain(seq)) return;
    this.doc.remove(seq);
    this.count--;
  }

  clear(): void {
    this.doc = SearchIndex.create();
    this.count = 0;
  }

  /** The query's words as the index sees them (at most queryMaxTerms). */
  terms(q: string): string[] {
    const words = this.encoder.encode(q.slice(0, SEARCH_LIMITS.queryMaxChars)) as string[];
    return [...new Set(words)].slice(0, SEARCH_LIMITS.queryMaxTerms);
  }

  /**
   * Articles holding every term, best match (flexsearch's position-based score: words in the
   * subject rank first) or newest accepted first, optionally in one group. `more` says whether
   * further hits exist past this page.
   */
  search(terms: string[], opts: { group?: string; sort: SearchSort; offset: number; limit: number }): { hits: IndexHit[]; more: boolean } {
    if (terms.length === 0 || this.count === 0) return { hits: [], more: false };
    const cap = opts.sort === 'new' || opts.group ? MATCH_CAP : Math.min(MATCH_CAP, Math.max(BEST_CAP, opts.offset + opts.limit + 1));
    const res = this.doc.search({ query: terms.join(' '), index: 'text', limit: cap });
    let seqs = (res[0]?.result ?? []) as number[];
    if (opts.sort === 'new') seqs = [...seqs].sort((a, b) => b - a);
    const hits: IndexHit[] = [];
    let skipped = 0;
    for (const seq of seqs) {
      const f = this.doc.get(seq) as IndexedFields | null;
      if (!f) continue;
      if (opts.group && !f.groups.includes(opts.group)) continue;
      if (skipped < opts.offset) {
        skipped++;
        continue;
      }
      if (hits.length === opts.limit) return { hits, more: true };
      hits.push({ ...f, seq });
    }
    return { hits, more: false };
  }

  /** The index as (key, text) chunks, for saving. */
  async chunks(): Promise<[string, string][]> {
    const out: [string, string][] = [];
    await this.doc.export((key: string, data: string) => {
      out.push([key, data]);
    });
    return out;
  }

  load(chunks: [string, string][], count: number): void {
    this.clear();
    for (const [key, data] of chunks) this.doc.import(key, data);
    this.count = count;
  }
}
