/**
 * The sending side of an NNTP peer (cf. innfeed): drains the peer's persistent outbound queue,
 * the same one gossip links use, over one long-lived connection. In streaming mode (RFC 4644)
 * a batch goes out as pipelined CHECKs, then the wanted articles as pipelined TAKETHIS; while
 * the peer takes nearly everything it is offered, the CHECKs are skipped (innfeed's no-CHECK
 * mode). A server without streaming gets IHAVE, one article at a time (feed-batch.ts puts a
 * batch on the wire, stream-framing.ts frames its streaming commands). Queue entries are
 * deleted once the peer answered for them; "later" ones (431/436) are offered again after a
 * delay. Failures back off (exponential, jitter, capped) and re-read the queue from disk.
 */
import { CODE } from '../../protocol/nntp/replies';
import { Backoff } from '../backoff';
import type { FeedLink } from '../gossip/link-kind';
import { NoCheckMode } from '../gossip/no-check-mode';
import { OutboundQueue, type OutboundQueueInit, type QueueEntry } from '../feed/outbound-queue';
import type { LinkComponents } from '../gossip/peer-link';
import { isActive } from '../gossip/peer-record';
import { NntpClient } from './client';
import { ihaveBatch, streamBatch, type FeedBatchContext } from './feed-batch';
import type { NntpPeerRecord } from './nntp-peer-url';
import { parseNntpUrl } from './nntp-peer-url';
import type { ReadModel } from './read-model';
import { FeedError } from './stream-framing';

export interface NntpFeedInit extends Omit<OutboundQueueInit, 'idsPerTake'> {
  /** Ids per batch (CHECKs written at once). */
  idsPerBatch: number;
  /** Batches in flight on the connection at once (pipelined). */
  maxInFlight: number;
  /** Bytes of TAKETHIS written before waiting for the socket to drain. */
  writeChunkBytes: number;
  timeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  stallMs: number;
}

export const DEFAULT_NNTP_FEED_INIT: NntpFeedInit = {
  idsPerBatch: 500,
  maxInFlight: 2,
  writeChunkBytes: 1024 * 1024,
  timeoutMs: 60_000,
  backoffBaseMs: 500,
  backoffCapMs: 180_000,
  stallMs: 60_000,
  tailMax: 20_000,
  laterDelayMs: 1_000,
  laterMaxMs: 8_000,
};

export type NntpLinkComponents = LinkComponents & { read: ReadModel };

const WAKE = { reason: 'wake' };

interface Connection {
  client: NntpClient;
  streaming: boolean;
}

export class NntpFeedLink implements FeedLink {
  readonly queue: OutboundQueue;
  private down = true;
  private stopped = false;
  private failed = false;
  private inflight = 0;
  private backoffUntil = 0;
  private readonly backoff: Backoff;
  /** What a batch on the wire uses (feed-batch.ts). */
  private readonly batches: FeedBatchContext;
  private woken = false;
  private waker: AbortController | null = null;
  private conn: Promise<Connection> | null = null;
  private generation = 0;
  private lastProgressAt: number;
  private loop: Promise<void> | null = null;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly c: NntpLinkComponents,
    private readonly init: NntpFeedInit,
    readonly name: string,
  ) {
    this.backoff = new Backoff({ baseMs: init.backoffBaseMs, capMs: init.backoffCapMs });
    this.batches = { read: c.read, metrics: c.metrics, stats: c.stats, noCheck: new NoCheckMode(), writeChunkBytes: init.writeChunkBytes };
    this.queue = new OutboundQueue(c, { ...init, idsPerTake: init.idsPerBatch }, name);
    this.lastProgressAt = c.clock.monotonic();
  }

  get backlog(): number {
    return this.queue.backlog;
  }

  get state(): 'up' | 'down' {
    return this.down ? 'down' : 'up';
  }

  appended(entries: QueueEntry[]): void {
    this.queue.appended(entries);
    this.wake();
  }

  start(): void {
    this.loop ??= this.run().catch((err) => this.c.logger.error({ err }, 'nntp feed loop crashed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await this.disconnect(true);
  }

  /** The peer was just reached (added, probed): stop waiting. */
  peerIsBack(): void {
    this.backoff.reset();
    this.backoffUntil = 0;
    this.down = false;
    this.wake();
  }

  greetSoon(): void {
    this.peerIsBack();
  }

  lagMs(): Promise<number> {
    return this.queue.lagMs(this.c.clock.now());
  }

  async checkStall(): Promise<boolean> {
    const now = this.c.clock.monotonic();
    if (this.stopped || this.backlog <= 0 || this.backoffUntil > now || this.failed) {
      this.lastProgressAt = now;
      return false;
    }
    if (now - this.lastProgressAt < this.init.stallMs) return false;
    if (!(await this.queue.hasEntries())) {
      this.queue.backlog = 0;
      return false;
    }
    this.c.logger.warn({ backlog: this.backlog, stalledMs: now - this.lastProgressAt }, 'nntp feed stalled: reconnecting');
    this.c.stats.restarts++;
    this.generation++;
    this.inflight = 0;
    this.failed = false;
    this.queue.reset();
    this.lastProgressAt = now;
    await this.disconnect(false);
    this.wake();
    return true;
  }

  private wake(): void {
    this.woken = true;
    this.waker?.abort(WAKE);
  }

  private async idle(ms: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return;
    }
    this.waker = new AbortController();
    await this.c.clock.sleep(ms, this.waker.signal);
    this.waker = null;
    this.woken = false;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const rec = this.c.record() as NntpPeerRecord | undefined;
      if (!rec) return;
      const now = this.c.clock.monotonic();
      if (this.backoffUntil > now) {
        await this.idle(this.backoffUntil - now);
        continue;
      }
      if (!isActive(rec)) {
        await this.idle(60_000);
        continue;
      }
      if (this.failed) {
        if (this.inflight > 0) {
          await this.idle(60_000);
          continue;
        }
        this.failed = false;
        this.queue.reset();
      }
      if (this.inflight >= this.init.maxInFlight) {
        await this.idle(60_000);
        continue;
      }
      const batch = await this.queue.take(this.c.clock.monotonic());
      if (batch.length === 0) {
        await this.idle(this.queue.nextDueIn(this.c.clock.monotonic()) ?? 60_000);
        continue;
      }
      const gen = this.generation;
      this.inflight++;
      void this.send(batch, rec, gen).finally(() => {
        if (gen !== this.generation) return;
        this.inflight--;
        this.wake();
      });
    }
  }

  private connection(rec: NntpPeerRecord): Promise<Connection> {
    const open = async (): Promise<Connection> => {
      const { host, port } = parseNntpUrl(rec.url);
      const client = await NntpClient.connect({ host, port, localAddress: rec.sourceAddress, timeoutMs: this.init.timeoutMs, clock: this.c.clock });
      if (client.greeting.code !== CODE.READY_POSTING && client.greeting.code !== CODE.READY_NO_POSTING) {
        client.close();
        throw new FeedError(`the server greeted with ${client.greeting.code} ${client.greeting.text}`);
      }
      const mode = await client.command('MODE STREAM');
      return { client, streaming: mode.code === CODE.STREAMING_OK };
    };
    if (this.conn) {
      const current = this.conn;
      return current.then((c) => (c.client.closed ? (this.conn = open()) : c));
    }
    return (this.conn = open());
  }

  private async disconnect(polite: boolean): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    const c = await conn?.catch(() => null);
    if (!c) return;
    if (polite) await c.client.quit();
    else c.client.close();
  }

  private async send(batch: QueueEntry[], rec: NntpPeerRecord, gen: number): Promise<void> {
    try {
      const conn = await this.connection(rec);
      const { done, later } = conn.streaming ? await streamBatch(this.batches, conn.client, batch) : await this.serially(() => ihaveBatch(this.batches, conn.client, batch));
      if (gen !== this.generation) return;
      this.queue.done(done);
      this.queue.postpone(later, this.c.clock.monotonic());
      this.lastProgressAt = this.c.clock.monotonic();
      this.succeeded();
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.failed = true;
      this.fail(err);
    }
  }

  /** IHAVE cannot be pipelined: batches in flight take turns on the connection. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work);
    this.turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private succeeded(): void {
    if (this.down || this.backoff.attempts > 0) this.c.logger.info('nntp feed up');
    this.down = false;
    this.backoff.reset();
    this.c.touch({ lastSeenAt: this.c.clock.now() });
  }

  private fail(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    const wait = this.backoff.next();
    this.down = true;
    this.backoffUntil = Math.max(this.backoffUntil, this.c.clock.monotonic() + wait);
    this.c.logger.info({ reason: message, retryInMs: wait }, 'nntp feed failed; backing off');
    this.c.touch({ lastError: message });
    void this.disconnect(false);
  }
}
