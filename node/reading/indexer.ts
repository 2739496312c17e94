/**
 * Keeps the search index (and the thread overview cache) up with the store, off the ingest
 * path: a background loop walks each group's index from a per-group cursor, reads the
 * articles and adds them (an article is indexed through its first group only). It works in
 * short slices; while ingest is busy it rests six times as long as it works, so a burst of
 * articles is taken at full speed and indexed a little later; otherwise it rests as long as
 * it works, so pages stay quick while it catches up. The index and its cursors are
 * saved together in the store's `search` sublevel (at most once a minute, and at stop), so a
 * restart loads them and catches up from the cursors; a crash only costs re-indexing.
 */
import type { Clock } from '../clock';
import type { StoredArticle } from '../store/records';
import type { Logger } from '../logger';
import type { BatchOp, Store } from '../store/store';
import { overviewPut } from './thread-overview';
import type { SearchIndex } from './search-index';

/** One slice of work, in ms of CPU. */
export const SLICE_MS = 8;
/** Rest after a slice while ingest is busy (about 14 % of one core for the indexer). */
const BUSY_REST_MS = SLICE_MS * 6;
/** Rest after a slice otherwise: catching up takes at most half the core, so pages stay quick. */
const IDLE_REST_MS = SLICE_MS;
/** Ingest counts as busy for this long after its last accepted commit. */
const BUSY_WINDOW_MS = 500;
/** Group index entries read per store call; a slice always finishes the batch it read. */
const READ_BATCH = 32;
const SAVE_EVERY_MS = 60_000;
const IDLE_POLL_MS = 5000;
/** Saved chunks are cut into values of at most this many characters. */
const PIECE_CHARS = 1 << 20;
const FORMAT = 1;
/**
 * Articles the ingest just accepted are held (as the records it wrote) until they are indexed,
 * so indexing them reads nothing back from the store; past this many body characters the
 * oldest are let go and read back when their turn comes.
 */
const RECENT_MAX_CHARS = 8 * 1024 * 1024;
/** What one held article counts for beyond its text fields (the objects and the map entry). */
const RECENT_OVERHEAD = 512;

/** Characters an article holds, roughly (its text fields; every one is bounded by protocol/limits.ts). */
function heldChars(s: StoredArticle): number {
  const a = s.article;
  let n = RECENT_OVERHEAD + a.body.length + a.subject.length + a.from.length + a.id.length;
  for (const r of a.references) n += r.length;
  for (const p of a.path) n += p.length;
  if (a.headers) for (const k in a.headers) n += k.length + a.headers[k].length;
  return n;
}

interface SavedMeta {
  format: number;
  count: number;
  cursors: [string, number][];
  savedAt: number;
}

export interface IndexerComponents {
  store: Store;
  clock: Clock;
  logger: Logger;
}

export class Indexer {
  private cursors = new Map<string, number>();
  private lastAcceptedAt = -Infinity;
  private stopped = false;
  private wakeUp = new AbortController();
  private loop: Promise<void> | null = null;
  private dirty = false;
  private lastSavedAt: number | null = null;
  private saving: Promise<void> = Promise.resolve();
  /** Accepted and not indexed yet, oldest first (see RECENT_MAX_CHARS). */
  private readonly recent = new Map<string, StoredArticle>();
  private recentChars = 0;
  ready = false;

  constructor(
    private readonly c: IndexerComponents,
    readonly index: SearchIndex,
  ) {}

  /** Loads the saved index in the background and starts the loop. */
  start(): void {
    this.loop = (async () => {
      await this.load();
      while (!this.stopped) {
        const done = await this.step(SLICE_MS);
        if (this.stopped) break;
        if (done === 0) {
          if (this.dirty && (this.lastSavedAt === null || this.c.clock.now() - this.lastSavedAt >= SAVE_EVERY_MS)) await this.save();
          await this.rest(IDLE_POLL_MS);
        } else {
          await this.rest(this.c.clock.now() - this.lastAcceptedAt < BUSY_WINDOW_MS ? BUSY_REST_MS : IDLE_REST_MS);
        }
      }
    })().catch((err: unknown) => this.c.logger.error({ err }, 'search indexer stopped'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp.abort();
    await this.loop;
    await this.saving;
    if (this.dirty && this.ready) await this.save();
  }

  /** Ingest accepted a commit: there is work, and ingest is busy right now. Its articles are held for the next steps. */
  onAccepted(accepted: readonly StoredArticle[] = []): void {
    this.lastAcceptedAt = this.c.clock.now();
    // The ingest's events carry the very record it wrote (article, at, nums, seq).
    for (const s of accepted) this.hold(s);
    // abort() builds an AbortError (its default reason) on every call: once per rest is enough.
    if (!this.wakeUp.signal.aborted) this.wakeUp.abort();
  }

  private hold(s: StoredArticle): void {
    // An id accepted again (after a removal) replaces its old record, and its count with it.
    const old = this.recent.get(s.article.id);
    if (old) this.release(s.article.id, old);
    this.recent.set(s.article.id, s);
    this.recentChars += heldChars(s);
    for (const [id, old] of this.recent) {
      if (this.recentChars <= RECENT_MAX_CHARS) break;
      this.release(id, old);
    }
  }

  private release(id: string, s: StoredArticle): void {
    this.recent.delete(id);
    this.recentChars -= heldChars(s);
  }

  /** The stored records of `ids`: those held since their commit, the rest read from the store. */
  private async storedOf(ids: string[]): Promise<(StoredArticle | undefined)[]> {
    const out: (StoredArticle | undefined)[] = ids.map((id) => this.recent.get(id));
    const missing: number[] = [];
    out.forEach((s, i) => s === undefined && missing.push(i));
    if (missing.length > 0) {
      const read = await this.c.store.getManyStored(missing.map((i) => ids[i]));
      missing.forEach((i, j) => (out[i] = read[j]));
    }
    return out;
  }

  private async rest(ms: number): Promise<void> {
    if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
    await this.c.clock.sleep(ms, this.wakeUp.signal);
  }

  /** Articles accepted here but not indexed yet (cross-posts counted once per group). */
  async pending(): Promise<number> {
    let n = 0;
    for (const g of await this.c.store.listGroups()) n += Math.max(0, g.high - (this.cursors.get(g.name) ?? 0));
    return n;
  }

  get savedAt(): number | null {
    return this.lastSavedAt;
  }

  /** Indexes for about `budgetMs`; returns how many group index entries it went through. */
  async step(budgetMs: number): Promise<number> {
    const t0 = this.c.clock.now();
    let done = 0;
    const ops: BatchOp[] = [];
    for (const g of await this.c.store.listGroups()) {
      let cursor = this.cursors.get(g.name) ?? 0;
      while (cursor < g.high && this.c.clock.now() - t0 < budgetMs) {
        const entries = await this.c.store.groupIndex(g.name, cursor, READ_BATCH);
        if (entries.length === 0) {
          cursor = g.high;
          break;
        }
        const stored = await this.storedOf(entries.map((e) => e.id));
        for (let i = 0; i < entries.length; i++) {
          const s = stored[i];
          cursor = entries[i].n;
          done++;
          if (s && s.article.newsgroups[0] === g.name) {
            // Indexed through its first group: a crosspost's other groups need it no longer.
            if (this.recent.get(s.article.id) === s) this.release(s.article.id, s);
            const a = s.article;
            this.index.add(s.seq, { id: a.id, groups: a.newsgroups, nums: a.newsgroups.map((x) => s.nums[x] ?? 0), subject: a.subject, from: a.from, date: a.date }, a.body);
            ops.push(overviewPut(this.c.store, s));
          }
        }
      }
      this.cursors.set(g.name, cursor);
      if (this.c.clock.now() - t0 >= budgetMs) break;
    }
    if (done > 0) this.dirty = true;
    if (ops.length > 0) await this.c.store.batch(ops);
    return done;
  }

  /** Indexes everything there is, without resting (check --reindex, tests). */
  async catchUp(): Promise<void> {
    while ((await this.step(200)) > 0);
  }

  /** Forgets the index and its cursors: the next steps index every article again. */
  reset(): void {
    this.index.clear();
    this.recent.clear();
    this.recentChars = 0;
    this.cursors.clear();
    this.dirty = true;
  }

  /** Removes articles from the index (their seq comes from the store, so call it before they go). */
  async remove(ids: string[]): Promise<void> {
    for (const id of ids) {
      const held = this.recent.get(id);
      if (held) this.release(id, held);
    }
    const stored = await this.c.store.getManyStored(ids);
    for (const s of stored) if (s) this.index.remove(s.seq);
    this.dirty = true;
  }

  async load(): Promise<void> {
    try {
      const meta = (await this.c.store.subs.search.get('meta')) as SavedMeta | undefined;
      if (meta?.format === FORMAT) {
        const chunks: [string, string][] = [];
        for await (const [, v] of this.c.store.subs.search.iterator({ gt: 'd', lt: 'e' })) {
          const [k, piece] = v as [string, string];
          const last = chunks[chunks.length - 1];
          if (last && last[0] === k) last[1] += piece;
          else chunks.push([k, piece]);
        }
        this.index.load(chunks, meta.count);
        this.cursors = new Map(meta.cursors);
        this.lastSavedAt = meta.savedAt;
      }
    } catch (err) {
      // A broken saved index is rebuilt from the articles, never a reason to fail.
      this.c.logger.warn({ err }, 'saved search index unreadable: rebuilding it');
      this.reset();
    }
    this.ready = true;
  }

  /** Saves the index and its cursors in one atomic batch. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const sub = this.c.store.subs.search;
      const cursors = [...this.cursors];
      const count = this.index.size;
      this.dirty = false;
      const chunks = await this.index.chunks();
      const ops: BatchOp[] = [];
      for await (const k of sub.keys({ gt: 'd', lt: 'e' })) ops.push({ type: 'del', sublevel: sub, key: k } as unknown as BatchOp);
      let i = 0;
      for (const [k, data] of chunks) {
        for (let at = 0; at === 0 || at < data.length; at += PIECE_CHARS) {
          ops.push({ type: 'put', sublevel: sub, key: `d${String(i++).padStart(8, '0')}`, value: [k, data.slice(at, at + PIECE_CHARS)] } as unknown as BatchOp);
        }
      }
      const savedAt = this.c.clock.now();
      const meta: SavedMeta = { format: FORMAT, count, cursors, savedAt };
      ops.push({ type: 'put', sublevel: sub, key: 'meta', value: meta } as unknown as BatchOp);
      await this.c.store.batch(ops);
      this.lastSavedAt = savedAt;
      this.c.logger.info({ docs: count, chunks: chunks.length }, 'search index saved');
    }).catch((err: unknown) => {
      this.dirty = true;
      this.c.logger.error({ err }, 'saving the search index failed');
    });
    return this.saving;
  }
}
