/**
 * The single writer (group commit). Local posts, gossip and mirror jobs all submit here; the
 * writer takes everything waiting, checks it against history, numbers it and writes it in ONE
 * LevelDB batch, then tells listeners (the gossip senders) what was accepted. Being the only
 * writer of articles, groups and counters lets it keep their metadata in memory.
 */
import { claimedId, threadRoot, validateArticle, type Article, type ArticleCheck } from '../../protocol/article';
import type { ArticleResult } from '../../protocol/peer-messages';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { BatchOp, Store } from '../store/store';
import { key } from '../store/keys';
import type { Counters, GroupMeta, ThreadMeta } from '../store/records';
import { addAccepted, addTotals, type BuildState, type WireCopy } from './batch-builder';
import type { AcceptedEvent, FeedRouter, Origin } from './origin';

export interface IngestComponents {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export interface IngestInit {
  /** This node's name: prepended to `path`, and a path holding it is a loop. */
  name: string;
  maxArticleBytes: number;
  /** Most articles in one commit. */
  maxCommit?: number;
}

type Checked = { ok: true; article: Article } | { ok: false; id: string; reason: string };

const LOOP_REASON = 'loop: path already holds this node';

/** One commit, checked and built, waiting for its write. */
interface Prepared {
  take: Pending[];
  ops: BatchOp[];
  results: ArticleResult[][];
  events: AcceptedEvent[];
  epoch: number;
}

interface Pending {
  items: Checked[];
  origin: Origin;
  extra: BatchOp[];
  /** Ids minted by this node just now (local posts): no history can hold them. */
  fresh: boolean;
  /** NNTP arrivals: their exact bytes, by position in `items`, stored when accepted. */
  wire?: (WireCopy | undefined)[];
  resolve: (r: ArticleResult[]) => void;
  reject: (e: unknown) => void;
}

export class Ingest {
  private readonly queue: Pending[] = [];
  private writing = false;
  private groups = new Map<string, GroupMeta>();
  private counters: Counters = { articles: 0, groups: 0, seq: 0 };
  private router: FeedRouter | null = null;
  private readonly listeners: ((events: AcceptedEvent[]) => void)[] = [];
  private readonly maxCommit: number;
  private idle: Promise<void> = Promise.resolve();
  /** Bumped when a write fails: commits prepared before that are refused. */
  private epoch = 0;
  /** The last prepared commit's accepted ids and thread metadata, until it is on disk. */
  private overlay: { ids: Set<string>; threads: Map<string, ThreadMeta | undefined> } = { ids: new Set(), threads: new Map() };
  private markIdle: () => void = () => {};

  constructor(
    private readonly c: IngestComponents,
    private readonly init: IngestInit,
  ) {
    this.maxCommit = init.maxCommit ?? 2000;
  }

  /** Loads counters and group metadata (small: one record per group, never the articles). */
  async start(): Promise<void> {
    this.counters = await this.c.store.counters();
    this.groups.clear();
    for (const g of await this.c.store.listGroups()) this.groups.set(g.name, { count: g.count, low: g.low, high: g.high, lastPostAt: g.lastPostAt });
  }

  setRouter(router: FeedRouter): void {
    this.router = router;
  }

  onAccepted(listener: (events: AcceptedEvent[]) => void): void {
    this.listeners.push(listener);
  }

  totals(): Readonly<Counters> {
    return this.counters;
  }

  /** The validation submit() applies, for callers that refuse bad input before it is submitted. */
  check(input: unknown): ArticleCheck {
    return validateArticle(input, { nowMs: this.c.clock.now(), maxBodyBytes: this.init.maxArticleBytes });
  }

  /**
   * Validates and submits articles; resolves with one result per input, in order, once the
   * commit holding them is on disk. `extra` ops (a mirror cursor) join the same batch.
   */
  submit(inputs: unknown[], origin: Origin, extra: BatchOp[] = []): Promise<ArticleResult[]> {
    const ctx = { nowMs: this.c.clock.now(), maxBodyBytes: this.init.maxArticleBytes };
    const items: Checked[] = inputs.map((input) => {
      const r = validateArticle(input, ctx);
      if (r.ok) return r;
      return { ok: false, id: claimedId(input) ?? '', reason: `${r.problem.field}: ${r.problem.reason}` };
    });
    return this.enqueue(items, origin, extra);
  }

  /**
   * Like submit() for articles that already passed check(): they are not validated twice.
   * `freshIds`: the ids were just minted here (local posts), so the commit skips their history
   * lookup and, for new threads, the thread lookup: a post then costs no read at all.
   * `wire`: the exact bytes of articles that arrived by NNTP (by position), kept when accepted.
   */
  submitChecked(articles: Article[], origin: Origin, opts: { extra?: BatchOp[]; freshIds?: boolean; wire?: (WireCopy | undefined)[] } = {}): Promise<ArticleResult[]> {
    return this.enqueue(
      articles.map((article) => ({ ok: true, article })),
      origin,
      opts.extra ?? [],
      opts.freshIds ?? false,
      opts.wire,
    );
  }

  private enqueue(items: Checked[], origin: Origin, extra: BatchOp[], fresh = false, wire?: (WireCopy | undefined)[]): Promise<ArticleResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, origin, extra, fresh, ...(wire ? { wire } : {}), resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  /** Resolves when every submission so far is written (for clean shutdown). */
  async flushed(): Promise<void> {
    await this.idle;
  }

  /**
   * Group commit, pipelined one deep: commit N+1 is prepared (checked, numbered, its ops built)
   * while commit N is being written, then written after it. Preparing ahead works on optimistic
   * in-memory state (groups, counters, the previous commit's ids and threads as an overlay);
   * if a write fails, that state is reloaded from the store and every commit prepared on top of
   * it is refused too (the epoch), so numbers never skip or repeat.
   */
  private async drain(): Promise<void> {
    this.writing = true;
    this.idle = new Promise((r) => (this.markIdle = r));
    let previous: Promise<void> | null = null;
    try {
      for (;;) {
        if (this.queue.length === 0) {
          // Submissions that arrived while the last write was running start the next round.
          if (previous) await previous;
          previous = null;
          if (this.queue.length === 0) break;
        }
        const take = this.takeCommit();
        let prepared: Prepared | null = null;
        try {
          prepared = this.prepare(take);
        } catch (err) {
          // Preparing may have touched the optimistic state: start again from the store.
          this.epoch++;
          this.overlay = { ids: new Set(), threads: new Map() };
          if (previous) await previous;
          await this.start();
          this.fail(take, err);
        }
        const before: Promise<void> | null = previous;
        if (prepared) previous = this.writeAfter(before, prepared);
        if (before) await before;
      }
    } finally {
      this.writing = false;
      this.markIdle();
    }
  }

  private takeCommit(): Pending[] {
    const take: Pending[] = [];
    let count = 0;
    while (this.queue.length > 0 && (take.length === 0 || count + this.queue[0].items.length <= this.maxCommit)) {
      const p = this.queue.shift()!;
      take.push(p);
      count += p.items.length;
    }
    return take;
  }

  private async writeAfter(before: Promise<void> | null, p: Prepared): Promise<void> {
    if (before) await before;
    if (p.epoch !== this.epoch) return this.fail(p.take, new Error('commit refused: an earlier commit it was built on failed'));
    try {
      await this.c.store.batch(p.ops);
    } catch (err) {
      this.epoch++;
      this.overlay = { ids: new Set(), threads: new Map() };
      await this.start().catch((e: unknown) => this.c.logger.error({ err: e }, 'reloading ingest state failed'));
      return this.fail(p.take, err);
    }
    this.count(p.results.flat());
    p.take.forEach((pending, i) => pending.resolve(p.results[i]));
    if (p.events.length > 0) for (const l of this.listeners) l(p.events);
  }

  private fail(take: Pending[], err: unknown): void {
    this.c.logger.error({ err }, 'commit failed');
    for (const p of take) p.reject(err);
  }

  /** Checks, numbers and builds the ops of one commit; updates the optimistic state. */
  private prepare(take: Pending[]): Prepared {
    const now = this.c.clock.now();
    const validOf = (p: Pending) => p.items.filter((i): i is { ok: true; article: Article } => i.ok).map((i) => i.article);
    const known = take.filter((p) => !p.fresh).flatMap(validOf);
    const ids = [...new Set(known.map((a) => a.id))];
    // A fresh id starts its own thread unless it replies: only replies need the thread read.
    const threaded = [...known, ...take.filter((p) => p.fresh).flatMap(validOf).filter((a) => a.references.length > 0)];
    const hist = new Map(ids.map((id, i) => [id, i]));
    const histRecs = ids.length > 0 ? this.c.store.historySync(ids) : [];
    const threads = this.prefetchThreads(threaded);
    const st: BuildState = { subs: this.c.store.subs, groups: this.groups, threads, counters: { ...this.counters }, now };
    const ops: BatchOp[] = [];
    const touched = new Set<string>();
    const seen = new Set<string>();
    const pendingIds = this.overlay.ids;
    const events: AcceptedEvent[] = [];
    const results = take.map((p) =>
      p.items.map((item, index): ArticleResult => {
        // A refused copy leaves no trace under its id: the receiver remembers who sent it, so
        // a good copy of the same id is still taken, from any peer and from the owner.
        if (!item.ok) return { id: item.id, status: 'rejected', reason: item.reason };
        const a = item.article;
        const prior = histRecs[hist.get(a.id) ?? -1];
        if (seen.has(a.id) || pendingIds.has(a.id) || prior?.s === 'a') return { id: a.id, status: 'duplicate' };
        // The loop rule guards gossip only: the owner's import or mirror of an article that
        // once passed through here (a restore from an export) is taken.
        if (p.origin.kind === 'peer' && a.path.includes(this.init.name)) return { id: a.id, status: 'rejected', reason: LOOP_REASON };
        seen.add(a.id);
        const path = a.path[0] === this.init.name ? a.path : [this.init.name, ...a.path];
        const article: Article = { ...a, path };
        const targets = this.router ? this.router.targets(article, p.origin) : [];
        const seq = addAccepted(ops, st, article, targets, p.wire?.[index]);
        for (const g of article.newsgroups) touched.add(g);
        events.push({ article, seq, origin: p.origin, targets });
        return { id: a.id, status: 'accepted' };
      }),
    );
    addTotals(ops, st, touched);
    for (const p of take) ops.push(...p.extra);
    this.counters = st.counters;
    this.overlay = { ids: new Set(events.map((e) => e.article.id)), threads: st.threads };
    return { take, ops, results, events, epoch: this.epoch };
  }

  /** Thread metadata for this commit: the previous (maybe unwritten) commit's first, then the store. */
  private prefetchThreads(articles: Article[]): Map<string, ThreadMeta | undefined> {
    const keys = [...new Set(articles.flatMap((a) => a.newsgroups.map((g) => key(g, threadRoot(a)))))];
    const out = new Map<string, ThreadMeta | undefined>();
    const missing: string[] = [];
    for (const k of keys) {
      const pending = this.overlay.threads.get(k);
      if (pending) out.set(k, pending);
      else missing.push(k);
    }
    const metas = missing.length > 0 ? this.c.store.threadsSync(missing) : [];
    missing.forEach((k, i) => out.set(k, metas[i]));
    return out;
  }

  private count(results: ArticleResult[]): void {
    for (const r of results) {
      if (r.status === 'accepted') this.c.metrics.articlesAccepted++;
      else if (r.status === 'duplicate') this.c.metrics.articlesDuplicate++;
      else this.c.metrics.articlesRejected++;
    }
  }
}
