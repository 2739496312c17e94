/**
 * Runs one mirror job: walks the peer's group index from the saved cursor, asks only for the
 * ids this node lacks (SENDME, byte-bounded by the peer), hands the bodies to the normal
 * ingest with the new cursor in the same batch, and fetches the next chunk while the current
 * one is being written. Transient failures back off and retry with the error shown on the job,
 * until `giveUpMs` pass without progress (restarts included): then the job fails with the
 * reason. A group the peer lacks, or a refusal, fails it at once. Memory holds one index page
 * and a few chunks.
 */
import { claimedId, validateArticle } from '../../protocol/article';
import { LIMITS } from '../../protocol/limits';
import type { Clock } from '../clock';
import { isNmError } from '../errors';
import type { Ingest } from '../ingest/ingest';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { NodeService } from '../service';
import type { Store } from '../store/store';
import type { Transport } from '../gossip/transport';
import { ArchiveClient, MirrorFetchError } from './archive-client';
import { KEEP_REJECTIONS, saveJobOp, type MirrorJobRecord, type MirrorRejection } from './job-record';

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
  maxArticleBytes: number;
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
  private startAt: number;
  private followProblem: string | null = null;

  constructor(
    private readonly c: RunnerComponents,
    private readonly init: RunnerInit,
    readonly rec: MirrorJobRecord,
    private readonly signal: AbortSignal,
  ) {
    this.startDone = rec.done;
    this.startAt = c.clock.now();
  }

  /** Articles per second held since this run began. */
  rate(): number {
    const secs = (this.c.clock.now() - this.startAt) / 1000;
    return secs > 0 ? Math.round((this.rec.done - this.startDone) / secs) : 0;
  }

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
        const now = this.c.clock.now();
        // Backoff and the give-up clock grow only while nothing moves; progress resets both.
        const moved = this.rec.cursor > cursorAtFailure && failures > 0;
        failures = moved ? 1 : failures + 1;
        if (moved || this.rec.failingSince === undefined) this.rec.failingSince = now;
        cursorAtFailure = this.rec.cursor;
        const message = err instanceof Error ? err.message : String(err);
        const failingFor = now - this.rec.failingSince;
        if (failingFor >= this.init.giveUpMs) {
          return await this.finish('failed', `${message} (gave up after ${Math.round(failingFor / 1000)} s without progress)`);
        }
        this.c.logger.warn({ job: this.rec.id, err: message, failures }, 'mirror: retrying after failure');
        this.rec.error = message;
        await this.save().catch(() => undefined);
        const retryAfter = err instanceof MirrorFetchError ? err.retryAfterMs : undefined;
        await this.c.clock.sleep(Math.min(retryAfter ?? this.backoff(failures), this.init.giveUpMs - failingFor), this.signal);
      }
    }
  }

  private backoff(failures: number): number {
    const base = Math.min(this.init.backoffMaxMs, this.init.backoffMinMs * 2 ** Math.min(failures - 1, 20));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  private async finish(state: 'done' | 'failed', error?: string): Promise<void> {
    this.rec.state = state;
    delete this.rec.failingSince;
    this.rec.finishedAt = new Date(this.c.clock.now()).toISOString();
    if (error) this.rec.error = error;
    else delete this.rec.error;
    await this.save();
    this.c.logger.info({ job: this.rec.id, state, done: this.rec.done, total: this.rec.total, error }, 'mirror finished');
  }

  private save(): Promise<void> {
    return this.c.store.batch([saveJobOp(this.c.store, snapshot(this.rec))]);
  }

  /** With `follow`, keeps the peer as a gossip neighbour for the group (once per job). */
  private async follow(): Promise<void> {
    if (!this.rec.follow || this.rec.followed) return;
    const peers = this.c.service.peers;
    if (!peers) {
      this.followProblem = 'follow: gossip is not running on this node, so the peer could not be kept as a neighbour; new posts will not arrive';
      return;
    }
    try {
      const added = await peers.add({ url: this.rec.url, groups: this.rec.group });
      this.rec.peerName = added.name;
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
    this.rec.followed = true;
    await this.save();
  }

  /**
   * Walks the index to its end. Up to `fetchAhead` SENDMEs are in flight while the oldest
   * fetched chunk is written, so the link and the disk work at the same time; chunks are
   * written strictly in index order, so the saved cursor never passes an unwritten article.
   */
  private async walk(): Promise<void> {
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
          if (h?.s === 'a') held++;
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

  /** Writes one chunk: its articles through ingest with the cursor in the same batch. */
  private async apply(chunk: Chunk): Promise<void> {
    const rec = this.rec;
    const ctx = { nowMs: this.c.clock.now(), maxBodyBytes: this.init.maxArticleBytes };
    const invalid: MirrorRejection[] = [];
    let expected = 0;
    for (const input of chunk.articles) {
      const v = validateArticle(input, ctx);
      if (!v.ok) invalid.push({ id: claimedId(input) ?? '(no valid id)', reason: `${v.problem.field}: ${v.problem.reason}` });
      // The loop rule guards gossip only: a mirror takes back this node's own articles (a restore).
      else expected++;
    }
    // Counts are saved with the articles they describe, predicted from the same checks the
    // ingest makes; a rare difference (a race with gossip) is corrected below and
    // saved with the next chunk. The live record changes only once the batch is on disk, so
    // a failed write is retried from the old cursor.
    const next: MirrorJobRecord = {
      ...rec,
      cursor: chunk.lastN,
      done: rec.done + chunk.held + expected,
      rejected: rec.rejected + invalid.length,
      rejections: invalid.length > 0 ? [...rec.rejections, ...invalid].slice(-KEEP_REJECTIONS) : [...rec.rejections],
    };
    const save = saveJobOp(this.c.store, next);
    // Only the fields this chunk decides: the index walk updates `total` meanwhile.
    const commit = () => Object.assign(rec, { cursor: next.cursor, done: next.done, rejected: next.rejected, rejections: next.rejections });
    if (chunk.articles.length === 0) {
      await this.c.store.batch([save]);
      commit();
      return;
    }
    const origin = { kind: 'mirror' as const, peer: rec.peerName ?? rec.url };
    const results = await this.c.ingest.submit(chunk.articles, origin, [save]);
    commit();
    let held = 0;
    const refused: MirrorRejection[] = [];
    for (const r of results) {
      if (r.status !== 'rejected') held++;
      else refused.push({ id: r.id || '(no valid id)', reason: r.reason ?? 'rejected' });
    }
    rec.done += held - expected;
    if (refused.length !== invalid.length) {
      rec.rejected += refused.length - invalid.length;
      const extra = refused.filter((r) => !invalid.some((i) => i.id === r.id));
      if (extra.length > 0) rec.rejections = [...rec.rejections, ...extra].slice(-KEEP_REJECTIONS);
    }
  }
}

function snapshot(rec: MirrorJobRecord): MirrorJobRecord {
  return { ...rec, rejections: [...rec.rejections] };
}
