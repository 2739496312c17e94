/**
 * The sending side of one link (cf. innfeed's Host): drains this peer's outbound queue
 * (`queues`, keys `peer NUL seq`) with IHAVE, pushes the wanted bodies with TAKETHIS in
 * byte-bounded batches, several batches in flight, and deletes queue entries only once the
 * peer has answered for them. `later` ids stay queued and are re-offered after a short delay.
 * No fixed timers: an idle link sends as soon as it is woken. On failure the link backs off
 * (exponential, jitter, capped); a hello from the peer ends the wait at once. A watchdog
 * restarts a link whose queue stopped moving while the peer still answers /healthz.
 */
import { IhaveReplySchema, TakethisReplySchema, type ArticleResult } from '../../protocol/peer-messages';
import { LIMITS } from '../../protocol/limits';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import { prefixRange } from '../store/keys';
import { Backoff } from './backoff';
import type { BodyCache } from './body-cache';
import type { LinkStats } from './link-stats';
import { isActive, type PeerRecord } from './peer-record';
import { parseJson, TransportError, type Transport } from './transport';

export interface LinkComponents {
  store: Store;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  stats: LinkStats;
  bodies: BodyCache;
  /** The current record (it changes when the peer greets again). */
  record: () => PeerRecord | undefined;
  /** Greets the peer (restart, approval); resolves once its answer is stored. */
  greet: () => Promise<void>;
  touch: (patch: Partial<Pick<PeerRecord, 'lastSeenAt' | 'lastError'>>) => void;
}

export interface LinkInit {
  idsPerIhave: number;
  takethisBytes: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** First re-offer delay of a `later` id; doubles per retry up to laterMaxMs. */
  laterDelayMs: number;
  laterMaxMs: number;
  /** A queue that has not moved for this long while the peer answers is restarted. */
  stallMs: number;
  /** Most queue entries remembered in memory past the cursor before reading the store again. */
  tailMax: number;
}

interface Entry {
  key: string;
  id: string;
  at: number;
}

interface LaterEntry extends Entry {
  due: number;
  tries: number;
}

const WAKE = { reason: 'wake' };
const STOPPED = { reason: 'link stopped' };

class PeerAnswerError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export class PeerLink {
  /** Queued ids on disk (counted at start, then kept by events and deletes). */
  backlog = 0;
  private down = false;
  private stopped = false;
  private cursor: string | undefined;
  private inflight = 0;
  private failed = false;
  private backoffUntil = 0;
  private readonly backoff: Backoff;
  private later: LaterEntry[] = [];
  private woken = false;
  private waker: AbortController | null = null;
  /** Entries committed since the last store read, in key order (see take()). */
  private tail: Entry[] = [];
  private caughtUp = false;
  private tailOverflowed = false;
  private generation = 0;
  private requests = new AbortController();
  private needGreet = true;
  private lastProgressAt: number;
  private loop: Promise<void> | null = null;
  private readonly range: { gt: string; lt: string };

  constructor(
    private readonly c: LinkComponents,
    private readonly init: LinkInit,
    readonly name: string,
  ) {
    this.backoff = new Backoff({ baseMs: init.backoffBaseMs, capMs: init.backoffCapMs });
    this.range = prefixRange(name);
    this.lastProgressAt = c.clock.now();
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

  /** Oldest queued entry's age in ms (0 when the queue is empty). */
  async lagMs(): Promise<number> {
    for await (const e of this.c.store.subs.queues.values({ ...this.range, limit: 1 })) return Math.max(0, this.c.clock.now() - e.at);
    return 0;
  }

  /** Watchdog: restarts the link when its queue has not moved for stallMs while the peer answers. */
  async checkStall(): Promise<boolean> {
    const now = this.c.clock.now();
    // An empty queue cannot stall, and a backing-off link is waiting on purpose.
    if (this.stopped || this.backlog <= 0 || this.backoffUntil > now || this.failed) {
      this.lastProgressAt = now;
      return false;
    }
    const rec = this.c.record();
    if (!rec || !isActive(rec) || now - this.lastProgressAt < this.init.stallMs) return false;
    const res = await this.c.transport
      .request({ url: rec.url, method: 'GET', path: '/healthz', timeoutMs: this.init.requestTimeoutMs })
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
    this.resetCursor();
    this.lastProgressAt = this.c.clock.now();
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
      const now = this.c.clock.now();
      if (this.backoffUntil > now) {
        await this.idle(this.backoffUntil - now);
        continue;
      }
      if (this.needGreet && rec.localOk) {
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
        this.resetCursor();
      }
      if (this.inflight >= this.init.maxInFlight) {
        await this.idle(60_000);
        continue;
      }
      const batch = await this.take();
      if (batch.length === 0) {
        const due = this.later.length > 0 ? Math.min(...this.later.map((l) => l.due)) - this.c.clock.now() : 60_000;
        await this.idle(Math.max(1, due));
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

  private resetCursor(): void {
    this.cursor = undefined;
    this.later = [];
    this.tail = [];
    this.caughtUp = false;
  }

  /** Due `later` entries first, then fresh entries past the cursor. */
  private async take(): Promise<(Entry & { tries?: number })[]> {
    const now = this.c.clock.now();
    const out: (Entry & { tries?: number })[] = [];
    if (this.later.length > 0) {
      const keep: LaterEntry[] = [];
      for (const l of this.later) (l.due <= now && out.length < this.init.idsPerIhave ? out : keep).push(l);
      this.later = keep;
    }
    const room = this.init.idsPerIhave - out.length;
    if (room <= 0) return out;
    if (this.caughtUp) {
      // Everything on disk past the cursor was announced by appended(): no store read needed.
      const fresh = this.tail.splice(0, room);
      if (fresh.length > 0) this.cursor = fresh[fresh.length - 1].key;
      return out.concat(fresh);
    }
    this.tailOverflowed = false;
    const fresh: Entry[] = [];
    const it = this.c.store.subs.queues.iterator({ gt: this.cursor ?? this.range.gt, lt: this.range.lt, limit: room });
    for await (const [key, v] of it) fresh.push({ key, id: v.id, at: v.at });
    if (fresh.length > 0) this.cursor = fresh[fresh.length - 1].key;
    const cursor = this.cursor;
    // A short read reached the end of the queue: from now on the tail (every entry committed
    // since the read began, minus those it returned) is the queue past the cursor.
    if (fresh.length < room && !this.tailOverflowed) {
      this.caughtUp = true;
      this.tail = cursor === undefined ? this.tail : this.tail.filter((e) => e.key > cursor);
    } else this.tail = [];
    return out.concat(fresh);
  }

  /** The ingest committed queue entries for this peer (called after the commit). */
  appended(entries: Entry[]): void {
    this.backlog += entries.length;
    if (this.tail.length + entries.length > this.init.tailMax) {
      this.tail = [];
      this.tailOverflowed = true;
      this.caughtUp = false;
    } else this.tail.push(...entries);
    this.wake();
  }


  private async send(batch: (Entry & { tries?: number })[], rec: PeerRecord, gen: number): Promise<void> {
    try {
      const signal = this.requests.signal;
      const ids = batch.map((e) => e.id);
      const reply = IhaveReplySchema.parse(await this.post(rec, '/v1/ihave', JSON.stringify({ ids }), signal));
      this.c.metrics.ihaveSent += ids.length;
      this.c.stats.offered += ids.length;
      const wanted = new Set(reply.sendme);
      const later = new Set(reply.later);
      const done: string[] = [];
      const laterOnes: LaterEntry[] = [];
      const sendKeys = new Map<string, string>();
      const now = this.c.clock.now();
      for (const e of batch) {
        if (wanted.has(e.id)) sendKeys.set(e.id, e.key);
        else if (later.has(e.id)) {
          const tries = (e.tries ?? 0) + 1;
          laterOnes.push({ ...e, tries, due: now + Math.min(this.init.laterMaxMs, this.init.laterDelayMs * 2 ** (tries - 1)) });
        } else done.push(e.key);
      }
      if (sendKeys.size > 0) {
        const bodies = await this.bodiesOf([...sendKeys.keys()]);
        // The chunks of one batch go out together: the peer commits them as they come.
        await Promise.all(
          chunkByBytes(bodies, this.init.takethisBytes).map(async (chunk) => {
            const res = TakethisReplySchema.parse(await this.post(rec, '/v1/takethis', `{"articles":[${chunk.join(',')}]}`, signal));
            this.c.metrics.articlesSent += chunk.length;
            this.c.stats.sent += chunk.length;
            this.countResults(res.results);
          }),
        );
        done.push(...sendKeys.values());
      }
      if (gen !== this.generation) return;
      if (done.length > 0) {
        await this.c.store.subs.queues.batch(done.map((key) => ({ type: 'del' as const, key })));
        this.backlog -= done.length;
      }
      this.later.push(...laterOnes);
      this.lastProgressAt = this.c.clock.now();
      this.succeeded();
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.failed = true;
      this.fail(err);
    }
  }

  /** Serialised bodies of the ids, from the cache or else the store (missing ones skipped). */
  private async bodiesOf(ids: string[]): Promise<string[]> {
    const out: string[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const json = this.c.bodies.get(id);
      if (json) out.push(json);
      else missing.push(id);
    }
    if (missing.length > 0) {
      for (const s of await this.c.store.getManyStored(missing)) if (s) out.push(JSON.stringify(s.article));
    }
    return out;
  }

  private countResults(results: ArticleResult[]): void {
    for (const r of results) {
      if (r.status === 'accepted') this.c.stats.accepted++;
      else if (r.status === 'duplicate') this.c.stats.duplicate++;
      else this.c.stats.rejected++;
    }
  }

  private async post(rec: PeerRecord, path: string, body: string, signal: AbortSignal): Promise<unknown> {
    const res = await this.c.transport.request({ url: rec.url, method: 'POST', path, body, token: rec.tokenOut, timeoutMs: this.init.requestTimeoutMs, signal });
    const data = parseJson(res.text);
    if (res.status === 200) return data;
    const msg = (data as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 429) throw new PeerAnswerError(`rate limited by the peer: ${msg}`, res.retryAfterMs ?? 1000);
    throw new PeerAnswerError(`${path} answered ${res.status}: ${msg}`);
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
    this.backoffUntil = Math.max(this.backoffUntil, this.c.clock.now() + wait);
    this.c.logger.info({ reason: message, retryInMs: wait }, 'link failed; backing off');
    this.c.touch({ lastError: message });
  }
}

/** Cuts serialised articles into TAKETHIS bodies of at most `maxBytes` (one article at least). */
function chunkByBytes(bodies: string[], maxBytes: number): string[][] {
  const chunks: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const json of bodies) {
    if (cur.length > 0 && (bytes + json.length > maxBytes || cur.length >= LIMITS.articlesPerBatchMax)) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(json);
    bytes += json.length + 1;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}
