/**
 * The sending side of one link (cf. innfeed's Host): drains this peer's outbound queue
 * (`queues`, keys `peer NUL seq`) in batches, several in flight, each offered and pushed by
 * batch-exchange.ts (IHAVE, then TAKETHIS in byte-bounded chunks), and deletes queue entries
 * only once the peer has answered for them. `later` ids stay queued and are re-offered after a short delay.
 * No fixed timers: an idle link sends as soon as it is woken. On failure the link backs off
 * (exponential, jitter, capped); a hello from the peer ends the wait at once. A watchdog
 * restarts a link whose queue stopped moving while the peer still answers /healthz.
 * Every wait and deadline here is on the monotonic clock: a wall-clock step holds nothing.
 */
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import { Backoff } from '../backoff';
import { BatchExchange, PeerAnswerError } from './batch-exchange';
import type { BodyCache } from './body-cache';
import { NoCheckMode } from './no-check-mode';
import { SendWindow, type WindowTicket } from './send-window';
import type { FeedQueues } from '../feed/feed-queues';
import { OutboundQueue, type OutboundQueueInit, type QueueEntry } from '../feed/outbound-queue';
import type { LinkStats } from './link-stats';
import { isActive, ownerConfirmed, type PeerRecord } from './peer-record';
import { REPLY_CAPS, TransportError, type Transport } from '../net/transport';

export interface LinkComponents {
  store: Store;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  stats: LinkStats;
  bodies: BodyCache;
  /** The outbound queues' owner (reads, deletes, the --max-queue cap). */
  queues: FeedQueues;
  /** The current record (it changes when the peer greets again). */
  record: () => PeerRecord | undefined;
  /** Greets the peer (restart, approval); resolves once its answer is stored. */
  greet: () => Promise<void>;
  touch: (patch: Partial<Pick<PeerRecord, 'lastSeenAt' | 'lastError'>>) => void;
}

export interface LinkInit extends Omit<OutboundQueueInit, 'idsPerTake'> {
  idsPerIhave: number;
  takethisBytes: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** A queue that has not moved for this long while the peer answers is restarted. */
  stallMs: number;
}

const WAKE = { reason: 'wake' };
const STOPPED = { reason: 'link stopped' };

export class PeerLink {
  readonly queue: OutboundQueue;
  /** Down until the peer answered once (after our start it may not be there at all). */
  private down = true;
  private stopped = false;
  private inflight = 0;
  private failed = false;
  private backoffUntil = 0;
  private readonly backoff: Backoff;
  private readonly window: SendWindow;
  private woken = false;
  private waker: AbortController | null = null;
  private readonly noCheck = new NoCheckMode();
  /** Offers and pushes one batch (batch-exchange.ts). */
  private readonly exchange: BatchExchange;
  private generation = 0;
  private requests = new AbortController();
  private needGreet = true;
  private lastProgressAt: number;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly c: LinkComponents,
    private readonly init: LinkInit,
    readonly name: string,
  ) {
    this.backoff = new Backoff({ baseMs: init.backoffBaseMs, capMs: init.backoffCapMs });
    this.exchange = new BatchExchange(c, init, this.noCheck, this.backoff);
    this.queue = new OutboundQueue(c, { ...init, idsPerTake: init.idsPerIhave }, name);
    this.window = new SendWindow({ maxBytes: init.maxInFlight * init.takethisBytes, chunkBytes: init.takethisBytes, timeoutMs: init.requestTimeoutMs });
    this.lastProgressAt = c.clock.monotonic();
  }

  /** Queued ids on disk. */
  get backlog(): number {
    return this.queue.backlog;
  }

  /** The ingest committed queue entries for this peer: take note and send. */
  appended(entries: QueueEntry[]): void {
    this.queue.appended(entries);
    this.wake();
  }

  get state(): 'up' | 'down' {
    return this.down ? 'down' : 'up';
  }

  start(greetFirst: boolean): void {
    this.needGreet = greetFirst;
    this.loop ??= this.run().catch((err) => this.c.logger.error({ err }, 'link loop crashed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.requests.abort(STOPPED);
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.woken = true;
    // A reason object spares the DOMException (and its stack) that abort() would create.
    this.waker?.abort(WAKE);
  }

  /** The peer greeted us (it is back): stop waiting and send now. */
  peerIsBack(): void {
    this.backoff.reset();
    this.backoffUntil = 0;
    if (this.down) this.down = false;
    this.wake();
  }

  /** Greet before the next send (after our restart or an approval). */
  greetSoon(): void {
    this.needGreet = true;
    this.peerIsBack();
  }

  /** Age of the oldest queued id in ms (0 when the queue is empty). */
  lagMs(): Promise<number> {
    return this.queue.lagMs(this.c.clock.now());
  }

  /** Watchdog: restarts the link when its queue has not moved for stallMs while the peer answers. */
  async checkStall(): Promise<boolean> {
    const now = this.c.clock.monotonic();
    // An empty queue cannot stall, and a backing-off link is waiting on purpose.
    if (this.stopped || this.backlog <= 0 || this.backoffUntil > now || this.failed) {
      this.lastProgressAt = now;
      return false;
    }
    const rec = this.c.record();
    if (!rec || !isActive(rec) || now - this.lastProgressAt < this.init.stallMs) return false;
    // A count that drifted from the disk is not a stall: the disk is the truth.
    if (!(await this.queue.hasEntries())) {
      this.queue.backlog = 0;
      return false;
    }
    const res = await this.c.transport
      .request({ url: rec.url, method: 'GET', path: '/healthz', timeoutMs: this.init.requestTimeoutMs, maxBytes: REPLY_CAPS.small, strangerUrl: !ownerConfirmed(rec) })
      .catch(() => null);
    if (!res || res.status !== 200) return false;
    this.c.logger.warn({ backlog: this.backlog, stalledMs: now - this.lastProgressAt }, 'link stalled while the peer answers: restarting it');
    this.c.stats.restarts++;
    this.restart();
    return true;
  }

  /** Drops everything in flight and starts again from the head of the queue on disk. */
  restart(): void {
    this.generation++;
    this.requests.abort(STOPPED);
    this.requests = new AbortController();
    this.inflight = 0;
    this.failed = false;
    this.queue.reset();
    this.lastProgressAt = this.c.clock.monotonic();
    this.wake();
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
      const rec = this.c.record();
      if (!rec) return;
      const now = this.c.clock.monotonic();
      if (this.backoffUntil > now) {
        await this.idle(this.backoffUntil - now);
        continue;
      }
      // Greet after a restart or an approval, and when the peer never gave us a token.
      if (rec.localOk && (this.needGreet || (rec.remoteOk && !rec.tokenOut))) {
        this.needGreet = false;
        try {
          await this.c.greet();
          this.succeeded();
        } catch (err) {
          this.needGreet = true;
          this.fail(err);
        }
        continue;
      }
      if (!isActive(rec) || !rec.tokenOut) {
        await this.idle(60_000);
        continue;
      }
      if (this.failed) {
        if (this.inflight > 0) {
          await this.idle(60_000);
          continue;
        }
        // Every batch has settled: re-read what is still queued from the disk.
        this.failed = false;
        this.queue.reset();
      }
      // A slow link also waits for its byte window (send-window.ts): a batch that cannot finish in time is never sent.
      if (this.inflight >= this.init.maxInFlight || !this.window.open) {
        await this.idle(60_000);
        continue;
      }
      const batch = await this.queue.take(this.c.clock.monotonic(), this.window.ids(this.init.idsPerIhave));
      if (batch.length === 0) {
        await this.idle(this.queue.nextDueIn(this.c.clock.monotonic()) ?? 60_000);
        continue;
      }
      this.inflight++;
      const gen = this.generation;
      void this.send(batch, rec, gen).finally(() => {
        if (gen !== this.generation) return;
        this.inflight--;
        this.wake();
      });
    }
  }

  private async send(batch: QueueEntry[], rec: PeerRecord, gen: number): Promise<void> {
    const ticket = this.window.start(batch.length, this.c.clock.monotonic());
    try {
      const { done, laterOnes, sentBytes, sentCount } = await this.exchange.run(batch, rec, this.requests.signal, this.window.chunkBytes);
      this.window.end(ticket, this.c.clock.monotonic(), sentBytes, sentCount);
      if (gen !== this.generation) return;
      this.queue.done(done);
      this.queue.postpone(laterOnes, this.c.clock.monotonic());
      this.lastProgressAt = this.c.clock.monotonic();
      this.succeeded();
    } catch (err) {
      this.windowAfter(ticket, err);
      if (gen !== this.generation || this.stopped) return;
      this.failed = true;
      this.fail(err);
    }
  }

  private windowAfter(ticket: WindowTicket, err: unknown): void {
    const now = this.c.clock.monotonic();
    if (err instanceof TransportError && err.kind === 'timeout') this.window.timedOut(ticket, now);
    else this.window.cancel(ticket, now);
  }

  private succeeded(): void {
    if (this.down || this.backoff.attempts > 0) this.c.logger.info('link up');
    this.down = false;
    this.backoff.reset();
    this.c.touch({ lastSeenAt: this.c.clock.now() });
  }

  private fail(err: unknown): void {
    const message = err instanceof TransportError || err instanceof PeerAnswerError ? err.message : (err as Error)?.message ?? String(err);
    const retryAfter = err instanceof PeerAnswerError ? err.retryAfterMs : undefined;
    const wait = retryAfter ?? this.backoff.next();
    // A 429 means the peer is alive and slowing us down: the link stays up.
    if (retryAfter === undefined) this.down = true;
    this.backoffUntil = Math.max(this.backoffUntil, this.c.clock.monotonic() + wait);
    this.c.logger.info({ reason: message, retryInMs: wait }, 'link failed; backing off');
    this.c.touch({ lastError: message });
  }
}
