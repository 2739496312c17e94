/**
 * Takes held articles out of the store: body, group index entries, thread links, NNTP wire
 * copy, group and thread metadata and counters, with a tombstone in history (`g`) in the SAME
 * ingest commit (one atomic batch, like an acceptance), so a crash leaves the article either
 * whole or gone. Owner removals and honoured cancels also get a row in the removals log.
 * Removals run one at a time (this is the only remover), which is what lets the slow reads
 * (next group low, a thread's newest survivor) happen before the commit, off the writer, and
 * lets readers that keep totals of the group index hear of every entry that leaves it.
 */
import { threadRoot } from '../../protocol/article';
import type { Clock } from '../clock';
import type { ReadingService } from '../feature-services';
import { addRemovedRecords } from '../ingest/batch-builder';
import type { CommitView } from '../ingest/commit-hook';
import type { Ingest } from '../ingest/ingest';
import type { Logger } from '../logger';
import { timeKey, tombstoneOps } from '../store/history-index';
import { key, numKey, prefixRange, unpad, lastPart } from '../store/keys';
import type { OverviewRecord, RemovalBy, StoredArticle } from '../store/records';
import type { BatchOp, Store } from '../store/store';

export interface RemovalTarget {
  id: string;
  by: RemovalBy;
  reason: string;
}

export interface RemoverComponents {
  store: Store;
  ingest: Ingest;
  clock: Clock;
  logger: Logger;
  /** The reading part's index, told before articles leave the store (null on a node without it). */
  reading: () => ReadingService | null;
}

/** A group index entry a removal took out (Remover.onRemoved). */
export interface RemovedEntry {
  group: string;
  n: number;
  overview: OverviewRecord;
}

/** What the reads before the commit found out (see the module comment). */
interface Plan {
  held: { target: RemovalTarget; stored: StoredArticle }[];
  /** group -> numbers removed there. */
  removedNums: Map<string, Set<number>>;
  /** group -> first surviving number (or one past the highest when none survives). */
  nextLow: Map<string, number>;
  /** group NUL root -> newest surviving number of the thread in that group, if any. */
  threadLast: Map<string, number | undefined>;
  /** group NUL root -> how many of its articles go. */
  threadRemoved: Map<string, number>;
  /** group NUL root -> whether its root goes. */
  rootGone: Set<string>;
}

const put = (sublevel: unknown, k: string, value: unknown): BatchOp => ({ type: 'put', sublevel, key: k, value }) as unknown as BatchOp;

/** Most members of one thread read to find its newest survivor (threadMembers' own bound). */
const THREAD_READ_MAX = 5000;

export class Remover {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners: ((entries: RemovedEntry[]) => void)[] = [];

  constructor(private readonly c: RemoverComponents) {}

  /**
   * Removes the held ones among `targets` in one commit; `extra` adds records to the same
   * batch (a cancel's pending record going). Resolves with the ids removed, once on disk.
   */
  remove(targets: RemovalTarget[], extra?: (view: CommitView, removed: string[]) => BatchOp[]): Promise<string[]> {
    return this.exclusive(() => this.removeNow(targets, extra));
  }

  /** Runs `work` between removals: none commits while it runs. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** `listener` hears of the index entries each removal took out, once on disk, before the next removal. */
  onRemoved(listener: (entries: RemovedEntry[]) => void): void {
    this.listeners.push(listener);
  }

  private async removeNow(targets: RemovalTarget[], extra?: (view: CommitView, removed: string[]) => BatchOp[]): Promise<string[]> {
    const unique = [...new Map(targets.map((t) => [t.id, t])).values()];
    const plan = await this.plan(unique);
    const entries = this.indexEntries(plan);
    // Owner removals and cancels leave the search index at once. Expiries do not: flexsearch
    // removes a document in time proportional to the whole index (~1-3 ms each here), which at
    // 100,000 expiries would stall every post; the search drops a hit the store no longer holds
    // (reading-service.ts), so an expired article is never shown, only its index entry lingers.
    const prompt = plan.held.filter((h) => h.target.by !== 'expiry').map((h) => h.stored.article.id);
    if (prompt.length > 0) await this.c.reading()?.removed(prompt);
    const removed: string[] = [];
    await this.c.ingest.write((view) => {
      removed.length = 0;
      const ops: BatchOp[] = [];
      const gone = plan.held.filter((h) => view.history(h.target.id)?.s === 'a');
      for (const h of gone) {
        this.articleOps(ops, view, h.target, h.stored);
        removed.push(h.target.id);
      }
      this.metadataOps(view, plan, new Set(removed));
      if (extra) ops.push(...extra(view, removed));
      return ops;
    });
    if (entries) this.tell(entries, new Set(removed));
    return removed;
  }

  /** The index entries of the held articles (read only when someone listens). */
  private indexEntries(plan: Plan): Map<string, RemovedEntry[]> | null {
    if (this.listeners.length === 0) return null;
    const out = new Map<string, RemovedEntry[]>();
    for (const { stored } of plan.held) {
      const list: RemovedEntry[] = [];
      for (const [group, n] of Object.entries(stored.nums)) {
        const overview = this.c.store.subs.groupIndex.getSync(numKey(group, n));
        if (overview) list.push({ group, n, overview });
      }
      out.set(stored.article.id, list);
    }
    return out;
  }

  private tell(entries: Map<string, RemovedEntry[]>, removed: Set<string>): void {
    const gone = [...entries].filter(([id]) => removed.has(id)).flatMap(([, list]) => list);
    if (gone.length === 0) return;
    for (const listener of this.listeners) listener(gone);
  }

  /** Reads what the commit needs and cannot read itself (the writer reads only point records). */
  private async plan(targets: RemovalTarget[]): Promise<Plan> {
    const store = this.c.store;
    const stored = await store.getManyStored(targets.map((t) => t.id));
    const plan: Plan = { held: [], removedNums: new Map(), nextLow: new Map(), threadLast: new Map(), threadRemoved: new Map(), rootGone: new Set() };
    targets.forEach((target, i) => {
      const s = stored[i];
      if (!s) return;
      plan.held.push({ target, stored: s });
      const root = threadRoot(s.article);
      for (const g of Object.keys(s.nums)) {
        const set = plan.removedNums.get(g) ?? new Set<number>();
        set.add(s.nums[g]);
        plan.removedNums.set(g, set);
        const tk = key(g, root);
        plan.threadRemoved.set(tk, (plan.threadRemoved.get(tk) ?? 0) + 1);
        if (s.article.id === root) plan.rootGone.add(tk);
      }
    });
    for (const [g, nums] of plan.removedNums) {
      let first: number | undefined;
      for await (const k of store.subs.groupIndex.keys({ ...prefixRange(g), limit: nums.size + 1 })) {
        const n = unpad(lastPart(k));
        if (!nums.has(n)) {
          first = n;
          break;
        }
      }
      plan.nextLow.set(g, first ?? ((await store.group(g))?.high ?? 0) + 1);
    }
    const tkeys = [...plan.threadRemoved.keys()];
    const metas = store.threadsSync(tkeys);
    for (let i = 0; i < tkeys.length; i++) {
      const meta = metas[i];
      // A thread that goes whole, or whose newest article stays, needs no walk.
      if (!meta || meta.articles <= plan.threadRemoved.get(tkeys[i])!) continue;
      const g = tkeys[i].slice(0, tkeys[i].indexOf('\x00'));
      if (!plan.removedNums.get(g)?.has(meta.lastN)) continue;
      const members = await store.threadMembers(meta.root, THREAD_READ_MAX);
      const docs = await store.getManyStored(members);
      let best: number | undefined;
      for (const d of docs) {
        const n = d?.nums[g];
        if (n !== undefined && !plan.removedNums.get(g)!.has(n) && (best === undefined || n > best)) best = n;
      }
      plan.threadLast.set(tkeys[i], best);
    }
    return plan;
  }

  private articleOps(ops: BatchOp[], view: CommitView, t: RemovalTarget, s: StoredArticle): void {
    const subs = this.c.store.subs;
    const a = s.article;
    addRemovedRecords(ops, subs, s);
    const tomb = { s: 'g' as const, at: view.at, by: t.by, reason: t.reason };
    ops.push(...tombstoneOps(subs, a.id, tomb));
    if (t.by !== 'expiry') {
      ops.push(put(subs.removals, timeKey(view.at, a.id), { id: a.id, reason: t.reason, at: view.at, by: t.by, groups: Object.keys(s.nums), subject: a.subject }));
    }
    view.edit.articleRemoved(Object.keys(s.nums));
  }

  /** Group counts and lows, and thread records, for the articles that went. */
  private metadataOps(view: CommitView, plan: Plan, removed: Set<string>): void {
    const perGroup = new Map<string, Set<number>>();
    const perThread = new Map<string, { n: number; nums: Set<number>; root: boolean }>();
    for (const h of plan.held) {
      if (!removed.has(h.target.id)) continue;
      const root = threadRoot(h.stored.article);
      for (const [g, n] of Object.entries(h.stored.nums)) {
        const set = perGroup.get(g) ?? new Set<number>();
        set.add(n);
        perGroup.set(g, set);
        const tk = key(g, root);
        const t = perThread.get(tk) ?? { n: 0, nums: new Set<number>(), root: false };
        t.n++;
        t.nums.add(n);
        t.root ||= h.stored.article.id === root;
        perThread.set(tk, t);
      }
    }
    for (const [g, nums] of perGroup) {
      const meta = view.edit.group(g);
      if (!meta) continue;
      meta.count = Math.max(0, meta.count - nums.size);
      if (nums.has(meta.low)) meta.low = plan.nextLow.get(g) ?? meta.high + 1;
    }
    for (const [tk, t] of perThread) {
      const meta = view.edit.thread(tk);
      if (!meta) continue;
      const left = meta.articles - t.n;
      if (left <= 0) {
        view.edit.setThread(tk, undefined);
        continue;
      }
      const next = { ...meta, articles: left };
      if (t.root) next.hasRoot = false;
      if (t.nums.has(meta.lastN)) {
        const last = plan.threadLast.get(tk);
        if (last === undefined) {
          view.edit.setThread(tk, undefined);
          continue;
        }
        next.lastN = last;
      }
      view.edit.setThread(tk, next);
    }
  }
}
