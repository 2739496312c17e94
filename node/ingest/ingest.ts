/**
 * The single writer (group commit). Local posts, gossip, mirror jobs and imports all submit
 * here; the writer takes everything waiting, checks it against history, lets the commit hooks
 * vet it, numbers it and writes it with every hook's records in ONE LevelDB batch, then
 * answers the submitters and tells the hooks (commit-hook.ts). Being the only writer of
 * articles, groups, history and counters lets it keep their metadata in memory. No failure
 * is lost: a failed prepare, write or reload rejects exactly the submitters it concerns, with
 * the reason, and the writer goes on (reloading its state from the store first).
 */
import { checkArticleRules, claimedId, validateArticle, type Article, type ArticleCheck, type ArticleProblem } from '../../protocol/article';
import type { ArticleResult } from '../../protocol/peer-messages';
import type { Clock } from '../clock';
import { NmError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import type { Counters } from '../store/records';
import type { WireCopy } from './batch-builder';
import type { AcceptedEvent, CommitHook, CommitStage, WriteOps } from './commit-hook';
import { asError, WriterState, type Checked, type Pending, type Prepared, type Stage } from './commit-prep';
import type { Origin } from './origin';
import { groupRule, loopRule } from './rules';
import type { SignatureScreen } from './signature-screen';
import { WaitingRoom } from './waiting-room';

export interface IngestComponents {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Signs what the owner injects and verifies signed arrivals before they queue (signature-screen.ts). */
  signatures?: SignatureScreen;
}

export interface IngestInit {
  /** This node's name: prepended to `path`, and a path holding it is a loop. */
  name: string;
  maxArticleBytes: number;
  /** Most articles in one commit. */
  maxCommit?: number;
  /** New groups must match this wildmat (`--accept-groups`, default `*`). */
  acceptGroups?: string;
  /** Most groups carried (`--max-groups`). */
  maxGroups?: number;
  /** Articles waiting for the writer past which submitters wait (default 4 commits' worth). */
  maxWaiting?: number;
  /** How long a local post waits for room before it is answered 503 (default 10 s). */
  localWaitMs?: number;
}

export const DEFAULT_MAX_GROUPS = 10_000;

const unanswered = (): void => {};

/**
 * A submission for the queue, every field present from the start (one object shape, no
 * spreads: this runs once per submission); push() sets the answer callbacks.
 */
function pending(items: Checked[], origin: Origin, fresh: boolean, stage?: CommitStage, wire?: (WireCopy | undefined)[], write?: WriteOps): Pending {
  return { items, origin, fresh, stage, wire, write, resolve: unanswered, reject: unanswered };
}

const unavailable = (what: string, cause?: unknown): NmError =>
  Object.assign(new NmError('NM_ERR_UNAVAILABLE', `storage: ${what}; nothing of it was stored, retry later`), cause === undefined ? {} : { cause });

export class Ingest {
  private readonly queue: Pending[] = [];
  private writing = false;
  private readonly hooks: CommitHook[] = [];
  private readonly state: WriterState;
  private readonly maxCommit: number;
  private readonly room: WaitingRoom;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  /** Bumped when a write fails: commits prepared before that are refused. */
  private epoch = 0;
  /** The in-memory state may be off the store (a failed prepare or write): reload before preparing. */
  private stale = false;
  private lastStamp = 0;

  constructor(
    private readonly c: IngestComponents,
    private readonly init: IngestInit,
  ) {
    this.maxCommit = init.maxCommit ?? 2000;
    this.room = new WaitingRoom(c.clock, { maxWaiting: init.maxWaiting ?? 4 * this.maxCommit, localWaitMs: init.localWaitMs ?? 10_000 });
    this.state = new WriterState(c.store, init.name, this.hooks, (hook, fn) => this.tell(hook, fn));
    this.hooks.push(loopRule(init.name), groupRule({ acceptGroups: init.acceptGroups ?? '*', maxGroups: init.maxGroups ?? DEFAULT_MAX_GROUPS }, this.state.groups));
  }

  /** Loads counters and group metadata (small: one record per group, never the articles). */
  async start(): Promise<void> {
    await this.state.load();
  }

  /** Adds a commit hook (commit-hook.ts); it takes part in every commit prepared from now on. */
  addHook(hook: CommitHook): () => void {
    this.hooks.push(hook);
    return () => {
      const at = this.hooks.indexOf(hook);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  /** Told after each commit that accepted something, with those articles (a hook with only `committed`). */
  onAccepted(listener: (events: AcceptedEvent[]) => void): void {
    this.addHook({ name: 'listener', begin: () => ({ committed: (o) => o.accepted.length > 0 && listener(o.accepted) }) });
  }

  totals(): Readonly<Counters> {
    return this.state.counters;
  }

  /** Articles admitted and waiting for the writer (backpressure starts past `maxWaiting`). */
  get waiting(): number {
    return this.room.waiting;
  }

  /**
   * Wall time for a stamp (a post's date, a commit's `at`), never before the last one given:
   * a clock stepped back waits for the wall clock to catch up rather than date new posts
   * before old ones. Persisted through the counters, so a restart keeps it too.
   */
  stamp(): number {
    this.lastStamp = Math.max(this.c.clock.now(), this.lastStamp, this.state.counters.at ?? 0);
    return this.lastStamp;
  }

  /** The validation submit() applies, for callers that refuse bad input before it is submitted. */
  check(input: unknown): ArticleCheck {
    return validateArticle(input, { nowMs: this.c.clock.now(), maxBodyBytes: this.init.maxArticleBytes });
  }

  /**
   * The node's rules alone (body size, date window) for an article whose fields a protocol
   * schema already checked (a local post after NewPostSchema): null when it passes.
   */
  checkRules(article: Article): ArticleProblem | null {
    return checkArticleRules(article, { nowMs: this.c.clock.now(), maxBodyBytes: this.init.maxArticleBytes });
  }

  /**
   * Validates and submits articles; resolves with one result per input, in order, once the
   * commit holding them is on disk, or rejects with the reason nothing was stored. `stage`
   * takes part in that commit seeing only this submission (a mirror saves its cursor so).
   */
  submit(inputs: unknown[], origin: Origin, opts: { stage?: CommitStage } = {}): Promise<ArticleResult[]> {
    const ctx = { nowMs: this.c.clock.now(), maxBodyBytes: this.init.maxArticleBytes };
    const items: Checked[] = inputs.map((input) => {
      const r = validateArticle(input, ctx);
      if (r.ok) return r;
      return { ok: false, id: claimedId(input) ?? '', reason: `${r.problem.field}: ${r.problem.reason}` };
    });
    return this.screened(items, origin, () => this.enqueue(pending(items, origin, false, opts.stage)));
  }

  /**
   * Like submit() for articles that already passed check(): they are not validated twice.
   * `freshIds`: the ids were just minted here (local posts), so the commit skips their history
   * lookup and, for new threads, the thread lookup: a post then costs no read at all.
   * `wire`: the exact bytes of articles that arrived by NNTP (by position), kept when accepted.
   */
  submitChecked(articles: Article[], origin: Origin, opts: { stage?: CommitStage; freshIds?: boolean; wire?: (WireCopy | undefined)[] } = {}): Promise<ArticleResult[]> {
    const items: Checked[] = articles.map((article) => ({ ok: true, article }));
    return this.screened(items, origin, () => this.enqueue(pending(items, origin, opts.freshIds ?? false, opts.stage, opts.wire)));
  }

  /**
   * Signs or verifies a submission before it queues (signature-screen.ts). Nothing to verify:
   * it queues in the same turn; else once the pool's verdicts are in, so the writer never waits.
   */
  private screened(items: Checked[], origin: Origin, go: () => Promise<ArticleResult[]>): Promise<ArticleResult[]> {
    const verifying = this.c.signatures?.screen(items, origin) ?? null;
    return verifying ? verifying.then(go) : go();
  }

  /**
   * Writes records that belong to no article in the next group commit (never waiting for room:
   * they are small and mostly free room, like the feed's answered queue rows). A builder runs
   * inside the commit, after its articles, and sees history as of it (CommitView).
   */
  async write(ops: WriteOps): Promise<void> {
    if (typeof ops !== 'function' && ops.length === 0) return;
    await this.enqueue(pending([], { kind: 'local' }, false, undefined, undefined, ops));
  }

  /**
   * Not async on purpose: a submitter that need not wait gets the writer's own promise, so it
   * hears its answer in the same turn as the writer moves on and its next submission joins the
   * next commit (an extra promise hop halves the commits' size under many small submitters).
   */
  private enqueue(p: Pending): Promise<ArticleResult[]> {
    const wait = p.items.length > 0 ? this.room.enter(p.items.length, p.origin.kind === 'local') : null;
    if (wait) return wait.then(() => this.push(p));
    return this.push(p);
  }

  private push(p: Pending): Promise<ArticleResult[]> {
    return new Promise((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
      this.queue.push(p);
      this.kick();
    });
  }

  /** Resolves when every submission so far is written or answered (for clean shutdown). */
  async flushed(): Promise<void> {
    while (this.writing) await this.idle;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = true;
    this.idle = new Promise((r) => (this.markIdle = r));
    this.drain()
      .catch((err: unknown) => {
        // Not expected (every step answers its own submitters); whoever still waits is answered here.
        this.c.logger.error({ err }, 'ingest writer stopped on an unexpected error; answering every waiting submitter');
        this.fail(this.takeAll(), [], asError(err));
        this.stale = true;
      })
      .finally(() => {
        this.writing = false;
        this.markIdle();
        if (this.queue.length > 0) this.kick();
      });
  }

  /**
   * Group commit, pipelined one deep: commit N+1 is prepared (checked, numbered, its ops built)
   * while commit N is being written, then written after it. Preparing ahead works on optimistic
   * in-memory state (groups, counters, the previous commit's ids and threads as an overlay);
   * if a write fails, every commit prepared on top of it is refused too (the epoch) and the
   * state is reloaded from the store before the next prepare, so numbers never skip or repeat.
   */
  private async drain(): Promise<void> {
    let previous: Promise<void> | null = null;
    try {
      for (;;) {
        if (this.queue.length === 0) {
          // Submissions that arrived while the last write was running start the next round.
          if (previous) await previous;
          previous = null;
          if (this.queue.length === 0) return;
        }
        const take = this.takeCommit();
        let prepared: Prepared;
        try {
          if (this.stale) {
            if (previous) await previous;
            previous = null;
            await this.reload();
          }
          prepared = this.state.prepare(take, this.stamp(), this.epoch);
        } catch (err) {
          // A prepare may have numbered into the in-memory state: reload before the next one.
          this.stale = true;
          this.fail(take, [], err instanceof NmError ? err : asError(err));
          continue;
        }
        const before: Promise<void> | null = previous;
        previous = this.writeAfter(before, prepared);
        if (before) await before;
      }
    } finally {
      if (previous) await previous;
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
    this.room.left(count);
    return take;
  }

  private takeAll(): Pending[] {
    const all = this.queue.splice(0);
    this.room.left(all.reduce((n, p) => n + p.items.length, 0));
    return all;
  }

  private async reload(): Promise<void> {
    try {
      await this.state.load();
    } catch (err) {
      this.c.logger.error({ err }, 'reloading the ingest state from the store failed; the next commit tries again');
      throw unavailable(`cannot read the writer's state back (${asError(err).message})`, err);
    }
    this.stale = false;
  }

  /** Never rejects: a failure answers this commit's submitters with the reason. */
  private async writeAfter(before: Promise<void> | null, p: Prepared): Promise<void> {
    if (before) await before;
    if (p.epoch !== this.epoch) return this.fail(p.take, p.stages, unavailable('refused: a commit it was built on failed to write'));
    try {
      await this.c.store.batch(p.ops);
    } catch (err) {
      this.epoch++;
      this.stale = true;
      this.state.forgetOverlay();
      // Reloaded now, so the next prepare starts right; if this fails too, the next one retries.
      await this.reload().catch(() => undefined);
      return this.fail(p.take, p.stages, unavailable(`cannot write (${asError(err).message})`, err));
    }
    for (const results of p.results) this.count(results);
    p.take.forEach((pending, i) => {
      const refused = p.refused.get(pending);
      if (refused) pending.reject(refused);
      else pending.resolve(p.results[i]);
    });
    for (const s of p.stages) this.tell(s.hook, () => s.stage.committed?.(p.outcome));
    for (const o of p.own) this.tell('submitter', () => o.stage.committed?.(o.outcome));
  }

  /** Answers every submitter of a commit that was not written, and tells the stages. */
  private fail(take: Pending[], stages: Stage[], err: Error): void {
    if (take.length > 0) this.c.logger.error({ err, submissions: take.length }, 'commit failed');
    for (const p of take) p.reject(err);
    for (const s of stages) this.tell(s.hook, () => s.stage.failed?.(err));
    for (const p of take) if (p.stage) this.tell('submitter', () => p.stage!.failed?.(err));
  }

  /** Runs a hook's after-the-write callback: its failure is logged, never passed on. */
  private tell(hook: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.c.logger.error({ err, hook }, 'a commit hook failed after the commit; the commit stands');
    }
  }

  private count(results: ArticleResult[]): void {
    for (const r of results) {
      if (r.status === 'accepted') this.c.metrics.articlesAccepted++;
      else if (r.status === 'duplicate') this.c.metrics.articlesDuplicate++;
      else this.c.metrics.articlesRejected++;
    }
  }
}
