/**
 * The writer's in-memory state and the preparing of one group commit against it: counters and
 * group metadata (loaded at start, then kept by the writer alone), and the overlay of the
 * commit still being written (its ids and thread metadata), so the next commit can be checked,
 * vetted, numbered and built while that one is on its way to disk. Preparing is synchronous;
 * the ops it builds are fixed (copies), so later numbering never changes a batch in flight.
 */
import { threadRoot, type Article } from '../../protocol/article';
import type { ArticleResult } from '../../protocol/peer-messages';
import { NmError } from '../errors';
import { SEP } from '../store/keys';
import type { Counters, GroupMeta, ThreadMeta } from '../store/records';
import type { BatchOp, Store } from '../store/store';
import { addAccepted, addTotals, type BuildState, type WireCopy } from './batch-builder';
import type { AcceptedEvent, CommitEdit, CommitHook, CommitOutcome, CommitStage, CommitView, SubmissionOutcome, WriteOps } from './commit-hook';
import type { HistoryRecord } from '../store/records';
import type { Origin } from './origin';

export type Checked = { ok: true; article: Article } | { ok: false; id: string; reason: string; code?: string };

/** One submission waiting for the writer. */
export interface Pending {
  items: Checked[];
  origin: Origin;
  /** The submitter's own stage: it sees only this submission. */
  stage?: CommitStage;
  /** A plain write (no articles). */
  write?: WriteOps;
  /** Ids minted by this node just now (local posts): no history can hold them. */
  fresh: boolean;
  /** NNTP arrivals: their exact bytes, by position in `items`, stored when accepted. */
  wire?: (WireCopy | undefined)[];
  resolve: (r: ArticleResult[]) => void;
  reject: (e: Error) => void;
}

/** A hook's stage in one commit. */
export interface Stage {
  hook: string;
  stage: CommitStage;
}

/** One commit, checked and built, waiting for its write. */
export interface Prepared {
  take: Pending[];
  ops: BatchOp[];
  results: ArticleResult[][];
  outcome: CommitOutcome;
  stages: Stage[];
  /** Each submitter stage with the part of the outcome it may see. */
  own: { stage: CommitStage; outcome: CommitOutcome }[];
  /** Plain writes whose builder threw: answered with the error, the rest of the commit stands. */
  refused: Map<Pending, Error>;
  epoch: number;
}

/** Why an id with a tombstone is refused (history `g`). */
export function goneReason(h: HistoryRecord): string {
  const who = h.by === 'cancel' ? 'cancelled by its poster' : h.by === 'expiry' ? 'expired on this node' : "removed by this node's owner";
  return `id: ${who}; it is not taken again`;
}

export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export class WriterState {
  /** Updated in place (the group rule reads this very map). */
  readonly groups = new Map<string, GroupMeta>();
  counters: Counters = { articles: 0, groups: 0, seq: 0 };
  /** The last prepared commit's accepted ids and thread metadata, until it is on disk. */
  private overlay: { ids: Set<string>; threads: Map<string, ThreadMeta | undefined> } = { ids: new Set(), threads: new Map() };

  constructor(
    private readonly store: Store,
    /** This node's name, prepended to `path`. */
    private readonly name: string,
    /** The ingest's hooks (the same array: hooks added later take part). */
    private readonly hooks: readonly CommitHook[],
    /** Runs a stage callback whose failure must be logged, not thrown. */
    private readonly tell: (hook: string, fn: () => void) => void,
  ) {}

  /** Counters and group metadata from the store (small: one record per group, never the articles). */
  async load(): Promise<void> {
    const counters = await this.store.counters();
    const groups = await this.store.listGroups();
    this.counters = counters;
    this.groups.clear();
    for (const g of groups) this.groups.set(g.name, { count: g.count, low: g.low, high: g.high, lastPostAt: g.lastPostAt });
    this.forgetOverlay();
  }

  /** After a failed write: nothing prepared on top of the store is pending any more. */
  forgetOverlay(): void {
    this.overlay = { ids: new Set(), threads: new Map() };
  }

  /**
   * Checks, vets, numbers and builds the ops of one commit, updating the optimistic state. A
   * hook that throws refuses the commit: the error says so, and the stages begun hear `failed`.
   */
  prepare(take: Pending[], now: number, epoch: number): Prepared {
    const stages: Stage[] = [];
    try {
      for (const hook of this.hooks) {
        const stage = hook.begin?.(now);
        if (stage) stages.push({ hook: hook.name, stage });
      }
      return this.build(take, now, stages, epoch);
    } catch (err) {
      const e = asError(err);
      // What the hooks began is not going to be written (the submitters' stages hear it from the ingest).
      for (const s of stages) this.tell(s.hook, () => s.stage.failed?.(e));
      throw err instanceof NmError ? err : new Error(`commit refused: ${e.message}`, { cause: err });
    }
  }

  private build(take: Pending[], now: number, stages: Stage[], epoch: number): Prepared {
    // One pass over the inputs: the ids to look up in history (fresh ids minted here just now
    // cannot be there) and the articles whose thread record must be read (a fresh id starts its
    // own thread unless it replies).
    const ids: string[] = [];
    const hist = new Map<string, number>();
    const threaded: Article[] = [];
    for (const p of take) {
      for (const item of p.items) {
        if (!item.ok) continue;
        const a = item.article;
        if (p.fresh) {
          if (a.references.length > 0) threaded.push(a);
          continue;
        }
        threaded.push(a);
        if (!hist.has(a.id)) hist.set(a.id, ids.push(a.id) - 1);
      }
    }
    const histRecs = ids.length > 0 ? this.store.historySync(ids) : [];
    const threads = this.prefetchThreads(threaded);
    const st: BuildState = { subs: this.store.subs, groups: this.groups, threads, touchedThreads: new Set(), counters: { ...this.counters, at: now }, now };
    const ops: BatchOp[] = [];
    const touched = new Set<string>();
    const seen = new Set<string>();
    const pendingIds = this.overlay.ids;
    const accepted: AcceptedEvent[] = [];
    const submissions: SubmissionOutcome[] = [];
    const own: Prepared['own'] = [];
    const results = take.map((p) => {
      if (p.write) return [];
      const mine: AcceptedEvent[] = [];
      const res = p.items.map((item, index): ArticleResult => {
        // A refused copy leaves no trace under its id: the receiver remembers who sent it, so
        // a good copy of the same id is still taken, from any peer and from the owner.
        if (!item.ok) return { id: item.id, status: 'rejected', reason: item.reason, ...(item.code ? { code: item.code } : {}) };
        const a = item.article;
        const prior = histRecs[hist.get(a.id) ?? -1];
        if (seen.has(a.id) || pendingIds.has(a.id) || prior?.s === 'a') return { id: a.id, status: 'duplicate' };
        // A tombstone: the article was taken out on purpose (node/takedown) and stays out.
        if (prior?.s === 'g') return { id: a.id, status: 'rejected', reason: goneReason(prior) };
        const reason = this.vet(a, p.origin);
        if (reason !== null) return { id: a.id, status: 'rejected', reason };
        seen.add(a.id);
        const path = a.path[0] === this.name ? a.path : [this.name, ...a.path];
        const article: Article = { ...a, path };
        const { seq, nums } = addAccepted(ops, st, article, p.wire?.[index]);
        for (const g of article.newsgroups) touched.add(g);
        const event: AcceptedEvent = { article, seq, nums, origin: p.origin, at: now };
        accepted.push(event);
        mine.push(event);
        for (const s of stages) s.stage.accepted?.(event, ops);
        p.stage?.accepted?.(event, ops);
        return { id: a.id, status: 'accepted' };
      });
      const outcome: SubmissionOutcome = { origin: p.origin, results: res };
      submissions.push(outcome);
      for (const s of stages) s.stage.decided?.(outcome, ops);
      if (p.stage) {
        p.stage.decided?.(outcome, ops);
        own.push({ stage: p.stage, outcome: { at: now, accepted: mine, submissions: [outcome] } });
      }
      return res;
    });
    if (accepted.length > 0) addTotals(ops, st, touched);
    // Plain writes last: a builder sees this commit's acceptances and the one still being written.
    const edited = new Set<string>();
    let removedCount = 0;
    const edit: CommitEdit = {
      group: (name) => this.groups.get(name),
      thread: (k) => (st.threads.has(k) ? st.threads.get(k) : this.overlay.threads.has(k) ? this.overlay.threads.get(k) : this.store.threadsSync([k])[0]),
      setThread: (k, meta) => {
        st.threads.set(k, meta);
        ops.push(meta ? ({ type: 'put', sublevel: st.subs.threads, key: k, value: { ...meta } } as unknown as BatchOp) : ({ type: 'del', sublevel: st.subs.threads, key: k } as unknown as BatchOp));
      },
      articleRemoved: (groups) => {
        st.counters.articles--;
        removedCount++;
        for (const g of groups) edited.add(g);
      },
    };
    const view: CommitView = { at: now, history: (id) => (seen.has(id) || pendingIds.has(id) ? { s: 'a', at: now } : this.store.historySync([id])[0]), edit };
    const refused = new Map<Pending, Error>();
    for (const p of take) {
      if (!p.write) continue;
      try {
        // A builder's ops join only once it has returned, so one that throws leaves nothing behind.
        ops.push(...(typeof p.write === 'function' ? p.write(view) : p.write));
      } catch (err) {
        refused.set(p, new Error(`write refused: ${asError(err).message}`, { cause: err }));
      }
    }
    // A removal changed metadata the acceptances may have written above: the later put wins.
    if (removedCount > 0 || edited.size > 0) addTotals(ops, st, edited);
    this.counters = st.counters;
    this.overlay = { ids: seen, threads: st.threads };
    return { take, ops, results, outcome: { at: now, accepted, submissions }, stages, own, refused, epoch };
  }

  private vet(article: Article, origin: Origin): string | null {
    for (const h of this.hooks) {
      const reason = h.vet?.(article, origin);
      if (reason) return reason;
    }
    return null;
  }

  /** Thread metadata for this commit: the previous (maybe unwritten) commit's first, then the store. */
  private prefetchThreads(articles: Article[]): Map<string, ThreadMeta | undefined> {
    const out = new Map<string, ThreadMeta | undefined>();
    const missing: string[] = [];
    for (const a of articles) {
      const root = threadRoot(a);
      for (const g of a.newsgroups) {
        const k = g + SEP + root;
        if (out.has(k)) continue;
        // has(): a thread the previous commit deleted (a removal) is gone even before its write lands.
        if (this.overlay.threads.has(k)) out.set(k, this.overlay.threads.get(k));
        else {
          out.set(k, undefined);
          missing.push(k);
        }
      }
    }
    const metas = missing.length > 0 ? this.store.threadsSync(missing) : [];
    missing.forEach((k, i) => out.set(k, metas[i]));
    return out;
  }
}
