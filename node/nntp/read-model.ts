/**
 * What the NNTP reader commands read, straight from the store's indexes: groups (GroupMeta),
 * article numbers and overview (the group index, which carries bytes, lines, arrival time and
 * crosspost numbers, so OVER never reads an article), and whole articles: the exact bytes of
 * one that arrived by NNTP, or the rendering of any other, with this node's Xref added.
 */
import type { Article } from '../../protocol/article';
import { headerSectionEnd } from '../../protocol/nntp/wire-article';
import { renderWire } from '../../protocol/nntp/render';
import { xrefValue, type OverviewFields } from '../../protocol/nntp/overview';
import { unpackWire } from './wire-copy';
import { key, lastPart, prefixRange, unpad } from '../store/keys';
import type { GroupMeta, OverviewRecord, StoredArticle } from '../store/records';
import type { Store } from '../store/store';

export interface ServedArticle {
  stored: StoredArticle;
  /** The article as ARTICLE sends it (before dot-stuffing), Xref included. */
  wire: Buffer;
  /** Offset of the empty line between headers and body. */
  headerEnd: number;
}

/** Index entries read per LevelDB call while streaming a range. */
const PAGE = 1000;

export class ReadModel {
  constructor(
    private readonly store: Store,
    /** This node's name: the host part of Xref. */
    private readonly host: string,
  ) {}

  group(name: string): GroupMeta | undefined {
    return this.store.subs.groups.getSync(name);
  }

  entry(group: string, n: number): OverviewRecord | undefined {
    return this.store.subs.groupIndex.getSync(key(group, n));
  }

  /** The first article number above `n` in the group, or undefined. */
  async next(group: string, n: number): Promise<number | undefined> {
    for await (const k of this.store.subs.groupIndex.keys({ gt: key(group, n), lt: prefixRange(group).lt, limit: 1 })) return unpad(lastPart(k));
    return undefined;
  }

  /** The last article number below `n` in the group, or undefined. */
  async previous(group: string, n: number): Promise<number | undefined> {
    for await (const k of this.store.subs.groupIndex.keys({ gt: prefixRange(group).gt, lt: key(group, n), reverse: true, limit: 1 })) return unpad(lastPart(k));
    return undefined;
  }

  /** The group's lowest-numbered index entry. */
  async first(group: string): Promise<OverviewRecord | undefined> {
    for await (const v of this.store.subs.groupIndex.values({ ...prefixRange(group), limit: 1 })) return v;
    return undefined;
  }

  /** Index entries with low <= n <= high, a page at a time, in order. */
  async *range(group: string, low: number, high: number): AsyncGenerator<[number, OverviewRecord][]> {
    const it = this.store.subs.groupIndex.iterator({ gte: key(group, Math.max(0, low)), lte: key(group, high) });
    try {
      for (;;) {
        const page = await it.nextv(PAGE);
        if (page.length === 0) return;
        yield page.map(([k, v]) => [unpad(lastPart(k)), v]);
      }
    } finally {
      await it.close();
    }
  }

  /** Article numbers only (LISTGROUP), a page at a time. */
  async *numbers(group: string, low: number, high: number): AsyncGenerator<number[]> {
    const it = this.store.subs.groupIndex.keys({ gte: key(group, Math.max(0, low)), lte: key(group, high) });
    try {
      for (;;) {
        const page = await it.nextv(PAGE * 5);
        if (page.length === 0) return;
        yield page.map((k) => unpad(lastPart(k)));
      }
    } finally {
      await it.close();
    }
  }

  /** The Xref value for an article numbered `nums` here. */
  xref(nums: Record<string, number>): string {
    return xrefValue(this.host, Object.entries(nums));
  }

  /** The overview of one index entry (older entries without sizes count as 0). */
  overview(group: string, n: number, rec: OverviewRecord): OverviewFields {
    const xref = rec.xref ? this.xref(rec.xref) : `${this.host} ${group}:${n}`;
    // The stored size leaves Xref out (numbers are given at commit); ARTICLE adds its line.
    const bytes = (rec.bytes ?? 0) + (rec.bytes === undefined ? 0 : xref.length + 8);
    return { n, subject: rec.subject, from: rec.from, date: rec.date, id: rec.id, references: rec.references, bytes, lines: rec.lines ?? 0, xref };
  }

  article(id: string): ServedArticle | undefined {
    const stored = this.store.subs.articles.getSync(id);
    if (!stored) return undefined;
    const copy = this.store.subs.wire.getSync(id);
    const raw = copy ? unpackWire(copy, stored.article) : renderWire(stored.article);
    const end = headerSectionEnd(raw);
    const xref = Buffer.from(`Xref: ${this.xref(stored.nums)}\r\n`);
    const wire = Buffer.concat([raw.subarray(0, end), xref, raw.subarray(end)]);
    return { stored, wire, headerEnd: end + xref.length };
  }

  /** The article's wire form for feeding another server: as stored, without Xref. */
  feedBytes(id: string): { article: Article; bytes: Buffer } | undefined {
    const stored = this.store.subs.articles.getSync(id);
    if (!stored) return undefined;
    const copy = this.store.subs.wire.getSync(id);
    return { article: stored.article, bytes: copy ? unpackWire(copy, stored.article) : renderWire(stored.article) };
  }
}
