/**
 * ReadingService over the store: search (the in-memory index, each hit checked against the
 * store and given a snippet), thread overviews, the owner's read marks and where a thread
 * sits in its group, and the node's health for the status page. Reads only; writes go to
 * the reading sublevels (read marks, the overview cache) and never to articles.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SearchHit, SearchIndexStatus, SearchQuery, UnreadGroup, UnreadThread } from '../../protocol/reading';
import type { Clock } from '../clock';
import type { NodeHealth, ReadingService, ThreadPlace } from '../feature-services';
import { key, lastPart, prefixRange, unpad } from '../store/keys';
import type { StoredArticle, ThreadMeta } from '../store/records';
import type { Store } from '../store/store';
import type { Indexer } from './indexer';
import type { ReadMarks } from './read-marks';
import type { Series } from './series';
import type { SearchIndex } from './search-index';
import { threadOverview, type OverviewRow } from './thread-overview';

export const SNIPPET_CHARS = 200;
/** Most group index entries a next-unread scan walks. */
const SCAN_MAX = 50_000;
/**
 * Most group index entries a neighbouring-thread scan walks: a thread view must stay cheap in
 * a group that one huge thread fills (its own articles are skipped one by one).
 */
const NEIGHBOUR_SCAN_MAX = 2000;
const DISK_CACHE_MS = 30_000;

/** Plain text around the first matched word of `body` (quotes skipped), at most SNIPPET_CHARS. */
export function snippetOf(body: string, matches: (word: string) => boolean): string {
  const lines = body.split('\n').filter((l) => !/^\s?>/.test(l) && l.trim() !== '');
  const text = lines.join(' ').replace(/\s+/g, ' ').trim();
  let at = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}_]+/gu)) {
    if (matches(m[0])) {
      at = m.index ?? 0;
      break;
    }
  }
  const start = Math.max(0, at - 60);
  const cut = text.slice(start, start + SNIPPET_CHARS);
  return `${start > 0 ? '…' : ''}${cut}${start + SNIPPET_CHARS < text.length ? '…' : ''}`;
}

export interface ReadingComponents {
  store: Store;
  clock: Clock;
}

export class Reading implements ReadingService {
  private disk: { at: number; bytes: number | null } | null = null;

  constructor(
    private readonly c: ReadingComponents,
    private readonly parts: { index: SearchIndex; indexer: Indexer; marks: ReadMarks; series: Series; version: string; startedAt: number },
  ) {}

  searchTerms(q: string): string[] {
    return this.parts.index.terms(q);
  }

  matchesTerm(word: string, terms: string[]): boolean {
    const enc = this.parts.index.encoder.encode(word) as string[];
    return enc.length > 0 && enc.every((w) => terms.includes(w));
  }

  async search(q: SearchQuery): Promise<{ hits: SearchHit[]; more: boolean; terms: string[] }> {
    const terms = this.searchTerms(q.q);
    const found = this.parts.index.search(terms, { group: q.group, sort: q.sort, offset: q.offset, limit: q.limit });
    const stored = await this.c.store.getManyStored(found.hits.map((h) => h.id));
    const gone: string[] = [];
    const hits: SearchHit[] = [];
    found.hits.forEach((h, i) => {
      const s = stored[i];
      // The store is the truth: an article removed since it was indexed is not shown.
      if (!s || s.seq !== h.seq) {
        gone.push(h.id);
        this.parts.index.remove(h.seq);
        return;
      }
      const group = q.group ?? h.groups[0];
      hits.push({ id: h.id, group, n: s.nums[group] ?? 0, subject: h.subject, from: h.from, date: h.date, snippet: snippetOf(s.article.body, (w) => this.matchesTerm(w, terms)) });
    });
    return { hits, more: found.more, terms };
  }

  async searchStatus(): Promise<SearchIndexStatus> {
    // Awaited first: the other figures are then read together, after the same await.
    const pending = await this.parts.indexer.pending();
    const saved = this.parts.indexer.savedAt;
    return { docs: this.parts.index.size, pending, ready: this.parts.indexer.ready, lastSavedAt: saved === null ? null : new Date(saved).toISOString() };
  }

  threadRows(root: string, expected?: number): Promise<OverviewRow[]> {
    return threadOverview(this.c.store, root, expected);
  }

  articles(ids: string[]): Promise<(StoredArticle | undefined)[]> {
    return this.c.store.getManyStored(ids);
  }

  thread(group: string, root: string): Promise<ThreadMeta | undefined> {
    return this.c.store.thread(group, root);
  }

  async threadPlace(group: string, thread: ThreadMeta): Promise<ThreadPlace> {
    const older = await this.neighbour(group, thread.lastN, true);
    const newer = await this.neighbour(group, thread.lastN, false);
    // The group page that starts with this thread, or the first page when none is newer.
    return { newer, older, before: newer ? thread.lastN + 1 : null };
  }

  /** The next thread by activity, older (walking the group index down) or newer (up). */
  private async neighbour(group: string, lastN: number, older: boolean): Promise<ThreadMeta | undefined> {
    const range = prefixRange(group);
    const bounds = older ? { gt: range.gt, lt: key(group, lastN), reverse: true } : { gt: key(group, lastN), lt: range.lt };
    const decided = new Set<string>();
    for await (const [k, ov] of this.c.store.subs.groupIndex.iterator({ ...bounds, limit: NEIGHBOUR_SCAN_MAX })) {
      const root = ov.references[0] ?? ov.id;
      if (decided.has(root)) continue;
      decided.add(root);
      const meta = this.c.store.subs.threads.getSync(key(group, root));
      // A thread is listed at its newest article: older threads have theirs below lastN.
      if (meta && meta.lastN === unpad(lastPart(k))) return meta;
      if (!older && meta && meta.lastN > unpad(lastPart(k))) decided.delete(root);
    }
    return undefined;
  }

  async unread(): Promise<UnreadGroup[]> {
    return (await this.c.store.listGroups()).map((g) => this.unreadOf(g.name, g));
  }

  async unreadIn(group: string): Promise<UnreadGroup | undefined> {
    const g = await this.c.store.group(group);
    return g && this.unreadOf(group, g);
  }

  private unreadOf(group: string, g: { low: number; high: number; count: number }): UnreadGroup {
    const m = this.parts.marks.get(group);
    return { group, unread: this.parts.marks.unreadCount(group, g), readUpTo: m.upTo, high: g.high };
  }

  isUnread(group: string, n: number): boolean {
    return this.parts.marks.isUnread(group, n);
  }

  async threads(group: string, opts: { limit: number; before?: number; onlyNew: boolean }): Promise<UnreadThread[]> {
    const out: UnreadThread[] = [];
    let before = opts.before;
    const upTo = this.parts.marks.get(group).upTo;
    // Threads come newest activity first; once a thread's newest article is at or below the
    // read mark, every later one is read too.
    for (let page = 0; page < 20 && out.length < opts.limit; page++) {
      const list = await this.c.store.threadsByActivity(group, opts.limit, before);
      for (const t of list) {
        const unread = this.isUnread(group, t.lastN);
        if (opts.onlyNew && !unread) continue;
        out.push({ root: t.root, subject: t.subject, from: t.from, articles: t.articles, lastN: t.lastN, lastDate: t.lastDate, unread });
        if (out.length >= opts.limit) break;
      }
      if (!opts.onlyNew || list.length < opts.limit || list[list.length - 1].lastN <= upTo) break;
      before = list[list.length - 1].lastN;
    }
    return out;
  }

  async markRead(nums: Record<string, number>[]): Promise<void> {
    const byGroup = new Map<string, number[]>();
    for (const rec of nums) for (const [g, n] of Object.entries(rec)) byGroup.set(g, [...(byGroup.get(g) ?? []), n]);
    for (const [g, ns] of byGroup) await this.parts.marks.markRead(g, ns);
  }

  async markAllRead(group: string, upTo?: number): Promise<void> {
    const g = await this.c.store.group(group);
    if (!g) return;
    await this.parts.marks.markAllRead(group, Math.min(upTo ?? g.high, g.high));
  }

  async nextUnread(group?: string): Promise<{ id: string; group: string; n: number } | undefined> {
    const groups = group ? [group] : (await this.unread()).filter((u) => u.unread > 0).map((u) => u.group).sort();
    for (const g of groups) {
      const m = this.parts.marks.get(g);
      const range = prefixRange(g);
      for await (const [k, ov] of this.c.store.subs.groupIndex.iterator({ gt: key(g, m.upTo), lt: range.lt, limit: SCAN_MAX })) {
        const n = unpad(lastPart(k));
        if (!m.above.includes(n)) return { id: ov.id, group: g, n };
      }
    }
    return undefined;
  }

  readVersion(): number {
    return this.parts.marks.version;
  }

  async health(): Promise<NodeHealth> {
    const now = this.c.clock.now();
    return {
      version: this.parts.version,
      startedAt: this.parts.startedAt,
      uptimeMs: now - this.parts.startedAt,
      diskBytes: await this.diskBytes(now),
      samples: this.parts.series.samples(),
      search: await this.searchStatus(),
    };
  }

  /** Size of the data dir's files (LevelDB keeps them flat), cached for DISK_CACHE_MS. */
  private async diskBytes(now: number): Promise<number | null> {
    if (this.disk && now - this.disk.at < DISK_CACHE_MS) return this.disk.bytes;
    let bytes: number | null = 0;
    try {
      for (const f of await readdir(this.c.store.dir, { withFileTypes: true })) if (f.isFile()) bytes += (await stat(join(this.c.store.dir, f.name))).size;
    } catch {
      bytes = null;
    }
    this.disk = { at: now, bytes };
    return bytes;
  }

  async removed(ids: string[]): Promise<void> {
    await this.parts.indexer.remove(ids);
  }
}
