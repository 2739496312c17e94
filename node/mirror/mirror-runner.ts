/**
 * Runs one mirror job: walks the peer's group index from the saved cursor, asks only for the
 * ids this node lacks (SENDME, byte-bounded by the peer), hands the bodies to the normal
 * ingest with a commit stage that saves the cursor and counts, computed from the real results,
 * in the same batch, and fetches the next chunk while the current one is being written.
 * Transient failures back off and retry with the error shown on the job, until `giveUpMs` pass
 * without progress (restarts included): then the job fails with the reason; a store that cannot
 * write pauses the job instead. A group the peer lacks, or a refusal, fails it at once. Memory
 * holds one index page and a few chunks.
 */
import type { ArticleResult } from '../../protocol/peer-messages';
import { LIMITS } from '../../protocol/limits';
import { backoffDelay } from '../backoff';
import type { Clock } from '../clock';
import { isNmError } from '../errors';
import type { CommitStage } from '../ingest/commit-hook';
import type { Ingest } from '../ingest/ingest';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { NodeService } from '../service';
import type { Store } from '../store/store';
import type { Transport } from '../net/transport';
import { ArchiveClient, MirrorFetchError } from './archive-client';
import { KEEP_REJECTIONS, saveJobOp, type MirrorJobRecord, type MirrorRejection } from './job-record';

/** Longest wait between tries while this node's store cannot write. */
const PAUSED_RETRY_MS = 5_000;

export interface RunnerComponents {
  store: Store;
  ingest: Ingest;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  service: NodeService;
}

export interface RunnerInit {
  transport: Transport;
  /** Unused: the ingest validates (kept so callers need not change). */
  maxArticleBytes?: number;
  /** Index entries per page (at most LIMITS.indexPageMax). */
  pageSize: number;
  /** Ids per SENDME (at most LIMITS.idsPerBatchMax). */
  batchIds: number;
  /** SENDMEs in flight while the oldest fetched chunk is written. */
  fetchAhead: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** A job that makes no progress for this long gives up as `failed`. */
  giveUpMs: number;
  /** Bearer token for a peer that serves archives to peers only. */
  tokenFor?: (url: string) => Promise<string | undefined>;
}

/** A slice of the peer's index: the cursor it advances to and the ids this node lacks. */
interface Plan {
  lastN: number;
  /** Entries of the slice this node already held. */
  held: number;
  missing: string[];
}

/** A slice with its bodies fetched, ready to be written. */
interface Chunk extends Plan {
  articles: unknown[];
}

export class MirrorRunner {
  private startDone: number;
  protected startAt: number;
  /** When the current run of failures began, in elapsed time (the record keeps the wall date). */
  protected failingSinceMono: number | undefined;
  private followProblem: string | null = null;

  constructor(
    protected readonly c: RunnerComponents,
    protected readonly init: RunnerInit,
    readonly rec: MirrorJobRecord,
    protected readonly signal: AbortSignal,
  ) {
    this.startDone = rec.done;
    this.startAt = c.clock.monotonic();
    // Failing before a restart: the give-up clock goes on from there, as the wall clock (the
    // only one that spans a restart) tells it; one more failure then ends the job, as before.
    if (rec.failingSince !== undefined) this.failingSinceMono = this.startAt - Math.min(Math.max(0, c.clock.now() - rec.failingSince), init.giveUpMs - 1);
  }

  /** Articles per second held since this run began. */
  rate(): number {
    const secs = (this.c.clock.monotonic() - this.startAt) / 1000;
    return secs > 0 ? Math.round((this.rec.done - this.startDone) / secs) : 0;
  }

  /** Per source rates (swarm jobs). */
  sourceRates(): number[] | undefined {
    return undefined;
  }

  /** What grows while the job moves (the give-up clock restarts when it does). */
  protected progressMark(): number {
    return this.rec.cursor;
  }

  /** Last changes to the record before it is saved as finished. */
  protected async beforeFinish(): Promise<void> {}

  async run(): Promise<void> {
    let failures = 0;
    let cursorAtFailure = -1;
    while (!this.signal.aborted) {
      try {
        await this.follow();
        await this.walk();
        if (this.signal.aborted) return;
        return await this.finish(this.followProblem ? 'failed' : 'done', this.followProblem ?? undefined);
      } catch (err) {
        if (this.signal.aborted) return;
        if (err instanceof MirrorFetchError && err.permanent) return await this.finish('failed', err.message);
        const now = this.c.clock.monotonic();
        // Backoff and the give-up clock grow only while nothing moves; progress resets both. A
        // store that cannot write (a full disk) pauses the job: it waits, it does not give up.
        const moved = this.progressMark() > cursorAtFailure && failures > 0;
        const paused = isNmError(err) && err.code === 'NM_ERR_UNAVAILABLE';
        failures = moved ? 1 : failures + 1;
        if (moved || paused || this.failingSinceMono === undefined) {
          this.failingSinceMono = now;
          this.rec.failingSince = this.c.clock.now();
        }
        cursorAtFailure = this.progressMark();
        const message = err instanceof Error ? err.message : String(err);
        const failingFor = now - this.failingSinceMono;
        if (failingFor >= this.init.giveUpMs) {
          return await this.finish('failed', `${message} (gave up after ${Math.round(failingFor / 1000)} s without progress)`);
        }
        this.c.logger.warn({ job: this.rec.id, err: message, failures }, 'mirror: retrying after failure');
        this.rec.error = message;
        await this.save().catch(() => undefined);
        // A paused job looks again every few seconds at most: a failed write costs nothing, and
        // the job goes on soon after the disk has room again.
        const retryAfter = err instanceof MirrorFetchError ? err.retryAfterMs : paused ? Math.min(PAUSED_RETRY_MS, this.backoff(failures)) : undefined;
        await this.c.clock.sleep(Math.min(retryAfter ?? this.backoff(failures), this.init.giveUpMs - failingFor), this.signal);
      }
    }
  }

  /** Failure `failures` (1 = the first) waits about backoffMinMs doubled per failure, +-25%. */
  protected backoff(failures: number): number {
    return backoffDelay(failures - 1, { baseMs: this.init.backoffMinMs, capMs: this.init.backoffMaxMs, jitter: [0.75, 1.25] });
  }

  private async finish(state: 'done' | 'failed', error?: string): Promise<void> {
    await this.beforeFinish().catch(() => undefined);
    this.rec.state = state;
    delete this.rec.failingSince;
    this.rec.finishedAt = new Date(this.c.clock.now()).toISOString();
    if (error) this.rec.error = error;
    else if (state === 'failed' || !this.rec.sources) delete this.rec.error;
    // The end must be saved, or the job would run again at the next start: retried until it is.
    for (let failures = 1; ; failures++) {
      try {
        await this.save();
        break;
      } catch (err) {
        if (this.signal.aborted) return;
        this.c.logger.warn({ job: this.rec.id, err }, 'mirror: cannot save the finished job; retrying');
        await this.c.clock.sleep(this.backoff(failures), this.signal);
      }
    }
    this.c.logger.info({ job: this.rec.id, state, done: this.rec.done, total: this.rec.total, error }, 'mirror finished');
  }

  /** Through the group commit, in order with the records the chunks save. */
  protected save(): Promise<void> {
    return this.c.ingest.write([saveJobOp(this.c.store, snapshot(this.rec))]);
  }

  /** With `follow`, keeps the peer as a gossip neighbour for the group (once per job). */
  private async follow(): Promise<void> {
    if (!this.rec.follow || this.rec.followed) return;
    const peers = this.c.service.peers;
    if (!peers) {
      this.followProblem = 'follow: gossip is not running on this node, so the peer could not be kept as a neighbour; new posts will not arrive';
      return;
    }
    // A swarm job keeps every source as a neighbour.
    for (const src of this.rec.sources ?? [this.rec]) {
      try {
        const added = await peers.add({ url: src.url, groups: this.rec.group });
        src.peerName = added.name;
      } catch (err) {
        if (isNmError(err) && err.code === 'NM_ERR_PEER_EXISTS') {
          // Already a neighbour: its existing group filter stays as the owner set it.
        } else if (isNmError(err) && err.code !== 'NM_ERR_PEER_UNREACHABLE') {
          this.followProblem = `follow: ${err.message}`;
          return;
        } else {
          throw new MirrorFetchError(`follow: ${(err as Error).message}`, false);
        }
      }
    }
    this.rec.followed = true;
    await this.save();
  }

  /**
   * Walks the index to its end. Up to `fetchAhead` SENDMEs are in flight while the oldest
   * fetched chunk is written, so the link and the disk work at the same time; chunks are
   * written strictly in index order, so the saved cursor never passes an unwritten article.
   */
  protected async walk(): Promise<void> {
    const token = await this.init.tokenFor?.(this.rec.url);
    const client = new ArchiveClient(this.init.transport, { url: this.rec.url, token, signal: this.signal });
    const plans = this.plans(client);
    const window: Promise<Chunk>[] = [];
    let exhausted = false;
    const fill = async () => {
      while (!exhausted && window.length < this.init.fetchAhead && !this.signal.aborted) {
        const r = await plans.next();
        if (r.done) {
          exhausted = true;
          return;
        }
        const plan = r.value;
        const chunk = plan.missing.length > 0 ? this.fetch(client, plan.missing).then((articles) => ({ ...plan, articles })) : Promise.resolve({ ...plan, articles: [] });
        // A fetch may fail while older chunks are written; its error is raised when awaited.
        chunk.catch(() => undefined);
        window.push(chunk);
      }
    };
    for (;;) {
      await fill();
      const head = window.shift();
      if (!head || this.signal.aborted) return;
      const chunk = await head;
      // Top the window up (index page, history check, next SENDME) while this chunk is written.
      const filling = fill();
      filling.catch(() => undefined);
      await this.apply(chunk);
      await filling;
    }
  }

  /** Slices of the index with the ids this node lacks, page by page from the cursor. */
  private async *plans(client: ArchiveClient): AsyncGenerator<Plan> {
    let cursor = this.rec.cursor;
    let counted = false;
    for (;;) {
      const page = await client.index(this.rec.group, cursor, Math.min(this.init.pageSize, LIMITS.indexPageMax));
      if (page.count !== undefined) this.rec.total = page.count;
      else if (!counted) this.rec.total = (await client.groups()).find((g) => g.name === this.rec.group)?.count ?? this.rec.total;
      counted = true;
      if (this.rec.error) delete this.rec.error;
      if (page.entries.length === 0) return;
      const hist = await this.c.store.history(page.entries.map((e) => e.id));
      const now = this.c.clock.now();
      let start = 0;
      while (start < page.entries.length) {
        // A slice ends after `batchIds` missing ids (or at the page end).
        const missing: string[] = [];
        let held = 0;
        let end = start;
        for (; end < page.entries.length && missing.length < this.init.batchIds; end++) {
          const h = hist[end];
          // A tombstone (removed, cancelled or expired here on purpose) counts as held: never fetched again.
          if (h?.s === 'a' || h?.s === 'g') held++;
          // A recent rejection was counted when it happened and is not fetched again; an old
          // one gets another chance, as the ingest would give it.
          else if (!h || now - h.at >= LIMITS.rejectedMemoryMs) missing.push(page.entries[end].id);
        }
        yield { lastN: page.entries[end - 1].n, held, missing };
        start = end;
      }
      cursor = page.entries[page.entries.length - 1].n;
    }
  }

  /** SENDME for `ids`, asking again for the ones the peer left out to keep its answer small. */
  private async fetch(client: ArchiveClient, ids: string[]): Promise<unknown[]> {
    const out: unknown[] = [];
    let ask = ids;
    for (let round = 0; ask.length > 0 && round < ids.length; round++) {
      this.c.metrics.sendmeSent += ask.length;
      const reply = await client.sendme(ask);
      out.push(...reply.articles);
      this.c.metrics.articlesReceived += reply.articles.length;
      const more = new Set(reply.more ?? []);
      ask = ask.filter((id) => more.has(id));
      if (reply.articles.length === 0) break;
    }
    return out;
  }

  /**
   * Writes one chunk through the ingest with a commit stage of its own (ingest/commit-hook.ts):
   * the job record, cursor and counts, is computed inside the commit from the chunk's real
   * results and saved in the same batch, so a crash never skips an article and the counts are
   * never guessed. The live record changes only once the batch is on disk, so a failed write
   * is retried from the old cursor.
   */
  private async apply(chunk: Chunk): Promise<void> {
    const rec = this.rec;
    const advance = (results: readonly ArticleResult[]): MirrorJobRecord => {
      const refused: MirrorRejection[] = [];
      for (const r of results) if (r.status === 'rejected') refused.push({ id: r.id || '(no valid id)', reason: r.reason ?? 'rejected' });
      return {
        ...snapshot(rec),
        cursor: chunk.lastN,
        // Held: what the index walk found here already, and every article now here (taken, or a duplicate).
        done: rec.done + chunk.held + results.length - refused.length,
        rejected: rec.rejected + refused.length,
        rejections: refused.length > 0 ? [...rec.rejections, ...refused].slice(-KEEP_REJECTIONS) : [...rec.rejections],
      };
    };
    let next = advance([]);
    if (chunk.articles.length === 0) await this.c.ingest.write([saveJobOp(this.c.store, next)]);
    else {
      const origin = { kind: 'mirror' as const, peer: rec.peerName ?? rec.url };
      const stage: CommitStage = {
        decided: (outcome, ops) => {
          next = advance(outcome.results);
          ops.push(saveJobOp(this.c.store, next));
        },
      };
      await this.c.ingest.submit(chunk.articles, origin, { stage });
    }
    // Only the fields this chunk decides: the index walk updates `total` meanwhile.
    Object.assign(rec, { cursor: next.cursor, done: next.done, rejected: next.rejected, rejections: next.rejections });
  }
}

export function snapshot(rec: MirrorJobRecord): MirrorJobRecord {
  return { ...rec, rejections: [...rec.rejections], ...(rec.sources ? { sources: rec.sources.map((s) => ({ ...s })) } : {}) };
}
