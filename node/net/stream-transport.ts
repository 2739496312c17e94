/**
 * A Transport that carries the flood-fill calls (IHAVE, TAKETHIS) of each peer on one
 * long-lived WebSocket (`GET /v1/stream`, protocol/stream-frames.ts), opened with the link's
 * bearer token, and everything else on the inner (HTTP) transport. Calls are pipelined: up to
 * `window` unanswered per stream, answers matched by id, and no frame is written while more
 * than `highWaterBytes` wait in the socket (backpressure from the send callbacks). A peer that
 * refuses the upgrade (an older node: 404) is called over HTTP and asked again after
 * `refusedRetryMs`; a stream that drops fails its calls (the link's queue re-sends, nothing is
 * lost), and the calls go over HTTP until a reconnect (after a growing, jittered wait)
 * succeeds. A call that times out fails alone, as on HTTP; when the peer has also sent nothing
 * for as long as that call waited, the stream is ended: a silent socket is not trusted again.
 * Frames count into the inner transport's stats (headers: frame header lines and WebSocket
 * framing), so one set of figures covers both paths.
 */
import { isIP } from 'node:net';
import WebSocket from 'ws';
import { buildFrame, splitFrame, StreamReplyHeaderSchema, STREAM_PATHS } from '../../protocol/stream-frames';
import { LIMITS } from '../../protocol/limits';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { bareHost } from './address-class';
import type { AddressPolicy } from './address-policy';
import { REPLY_CAPS, TransportError, type PeerRequest, type PeerResponse, type Transport, type TransportStats } from './transport';

export interface StreamTransportComponents {
  /** Carries hello, archive calls, and flood-fill calls while no stream is open. */
  inner: Transport;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  policy?: Pick<AddressPolicy, 'addressRefusal' | 'dialLookup'>;
}

export interface StreamTransportInit {
  /** Unanswered calls per stream; more wait for an answer. */
  window: number;
  /** Bytes written but not yet taken by the socket, past which no frame is written. */
  highWaterBytes: number;
  connectTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectCapMs: number;
  /** A peer that refused the upgrade is asked again after this long. */
  refusedRetryMs: number;
}

export const DEFAULT_STREAM_INIT: StreamTransportInit = {
  window: 32,
  highWaterBytes: 4 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  reconnectBaseMs: 250,
  reconnectCapMs: 30_000,
  refusedRetryMs: 5 * 60_000,
};

/** Largest answer a stream takes (the largest flood-fill answer and its header line). */
const CLIENT_MAX_PAYLOAD = Math.max(REPLY_CAPS.ihave, REPLY_CAPS.takethis) + LIMITS.streamHeaderMaxBytes + 1;
const SETTLED = { reason: 'stream closed' };
/** The upgrade request and its 101 answer, as counted once per stream. */
const UPGRADE_BYTES = 420;

/** WebSocket framing bytes of one message (client frames carry a 4-byte mask). */
const framing = (len: number, masked: boolean) => 2 + (len > 65_535 ? 8 : len > 125 ? 2 : 0) + (masked ? 4 : 0);

interface Pending {
  maxBytes: number;
  sent: boolean;
  /** clock time past which the call fails (one timer per stream watches them all). */
  deadline: number;
  what: string;
  timeoutMs: number;
  finish: (err: TransportError | null, res?: PeerResponse) => void;
}

/** One peer's stream: its socket, its calls, its send queue. */
class PeerStream {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  /** Resolves true once open, false if it never opened. */
  readonly ready: Promise<boolean>;
  /** Set once a call was answered: the peer speaks the stream (the reconnect wait starts over). */
  answered = false;
  refusedStatus = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: (() => void)[] = [];
  private seq = 0;
  private outstanding = 0;
  private unflushed = 0;
  private ws: WebSocket | null = null;
  private watching = false;
  /** When the peer last sent a frame (or the stream opened). */
  private lastHeardAt = 0;
  /** Ends the deadline timer when the stream closes. */
  private readonly unwatch = new AbortController();
  private opened!: (ok: boolean) => void;

  constructor(
    private readonly t: StreamTransport,
    readonly url: string,
    readonly token: string,
    private readonly onClosed: (s: PeerStream) => void,
  ) {
    this.ready = new Promise((r) => (this.opened = r));
  }

  connect(req: PeerRequest): void {
    const origin = new URL(this.t.c.inner.dialUrl?.(req.url) ?? req.url);
    // ws hands its options to http.request, so `lookup` reaches net.connect like undici's.
    const options: WebSocket.ClientOptions & { lookup?: AddressPolicy['dialLookup'] } = {
      headers: { authorization: `Bearer ${this.token}` },
      maxPayload: CLIENT_MAX_PAYLOAD,
      perMessageDeflate: false,
      handshakeTimeout: this.t.init.connectTimeoutMs,
      followRedirects: false,
    };
    const policy = this.t.c.policy;
    if (req.strangerUrl && policy) {
      const host = bareHost(origin.hostname);
      const why = isIP(host) ? policy.addressRefusal(host, host, [host]) : null;
      if (why) return this.closed(`not dialled: ${why}`);
      options.lookup = policy.dialLookup;
    }
    const ws = new WebSocket(`${origin.protocol === 'https:' ? 'wss' : 'ws'}://${origin.host}/v1/stream`, options);
    this.ws = ws;
    this.t.stats.headerBytes += UPGRADE_BYTES;
    ws.on('unexpected-response', (_req, res) => {
      this.refusedStatus = res.statusCode ?? 0;
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      this.lastHeardAt = this.t.c.clock.now();
      this.state = 'open';
      this.opened(true);
      this.pump();
    });
    ws.on('message', (data, isBinary) => this.onReply(data as Buffer, isBinary));
    ws.on('error', () => undefined); // 'close' follows and says it
    ws.on('close', (code, reason) => this.closed(`stream closed (${code}${reason.length ? ` ${reason.toString('utf8').slice(0, 120)}` : ''})`));
  }

  /** Sends one call; the answer, or a TransportError, settles it. */
  call(req: PeerRequest): Promise<PeerResponse> {
    return new Promise<PeerResponse>((resolve, reject) => {
      const id = ++this.seq;
      let done = false;
      const p: Pending = {
        maxBytes: req.maxBytes ?? REPLY_CAPS.small,
        sent: false,
        deadline: this.t.c.clock.now() + req.timeoutMs,
        what: where(req),
        timeoutMs: req.timeoutMs,
        finish: (err, res) => {
          if (done) return;
          done = true;
          req.signal?.removeEventListener('abort', onAbort);
          this.pending.delete(id);
          if (p.sent) this.outstanding--;
          this.pump();
          if (err) reject(err);
          else resolve(res!);
        },
      };
      const onAbort = () => p.finish(new TransportError('aborted', `${where(req)}: aborted`));
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, p);
      if (!this.watching) void this.watchDeadlines();
      this.waiting.push(() => {
        if (done) return false;
        if (this.state !== 'open') {
          p.finish(new TransportError('network', `${where(req)}: stream closed`));
          return false;
        }
        const frame = buildFrame({ id, path: req.path }, req.body ?? '');
        const bodyBytes = frame.length - frame.indexOf(0x0a) - 1;
        p.sent = true;
        this.outstanding++;
        this.unflushed += frame.length;
        this.t.count(req.path, bodyBytes, frame.length - bodyBytes + framing(frame.length, true), 0);
        this.ws!.send(frame, { binary: true }, () => {
          this.unflushed -= frame.length;
          this.pump();
        });
        return true;
      });
      this.pump();
    });
  }

  /**
   * Fails calls past their deadline: one timer per stream, set to the earliest deadline, rather
   * than a timer and an AbortController per call (8 % of the graph's CPU under HTTP).
   */
  private async watchDeadlines(): Promise<void> {
    this.watching = true;
    try {
      while (this.pending.size > 0 && this.state !== 'closed') {
        const now = this.t.c.clock.now();
        let next = Infinity;
        let silentFor = Infinity;
        for (const p of [...this.pending.values()]) {
          if (p.deadline > now) next = Math.min(next, p.deadline);
          else {
            silentFor = Math.min(silentFor, p.timeoutMs);
            p.finish(new TransportError('timeout', `${p.what}: no answer within ${p.timeoutMs} ms on the stream`));
          }
        }
        // Late answers on a busy link are not a dead socket: only one silent for a whole timeout is ended.
        if (now - this.lastHeardAt >= silentFor) return this.terminate();
        if (next === Infinity) return;
        await this.t.c.clock.sleep(next - now, this.unwatch.signal);
      }
    } finally {
      this.watching = false;
    }
  }

  /** Writes waiting calls while the window and the socket have room. */
  private pump(): void {
    if (this.state === 'connecting') return;
    while (this.waiting.length > 0 && (this.state === 'closed' || (this.outstanding < this.t.init.window && this.unflushed <= this.t.init.highWaterBytes))) {
      this.waiting.shift()!();
    }
  }

  private onReply(data: Buffer, isBinary: boolean): void {
    const split = isBinary ? splitFrame(data) : null;
    const head = split ? StreamReplyHeaderSchema.safeParse(split.header) : undefined;
    if (!split || !head?.success) {
      this.t.c.logger.warn({ url: this.url }, 'peer stream sent a frame without a valid header line: closing it');
      this.ws?.terminate();
      return;
    }
    this.lastHeardAt = this.t.c.clock.now();
    const body = split.body;
    this.t.count(null, 0, data.length - body.length + framing(data.length, false), body.length);
    const p = this.pending.get(head.data.id);
    if (!p) return; // answered after its call timed out or was aborted
    if (body.length > p.maxBytes) return p.finish(new TransportError('too-large', `${this.url}: stream answer larger than ${p.maxBytes} bytes`));
    this.answered = true;
    const { status, retryAfterMs } = head.data;
    p.finish(null, { status, text: body.toString('utf8'), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }

  private closed(why: string): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.opened(false);
    this.unwatch.abort(SETTLED);
    for (const p of [...this.pending.values()]) p.finish(new TransportError('network', `${this.url}: ${why}`));
    this.pump();
    if (wasOpen) this.t.c.logger.info({ url: this.url, reason: why }, 'peer stream closed');
    this.onClosed(this);
  }

  terminate(): void {
    if (this.ws) this.ws.terminate();
    else this.closed('transport closed');
  }
}

interface Entry {
  token: string;
  stream: PeerStream | null;
  retryAt: number;
  attempts: number;
}

export class StreamTransport implements Transport {
  /** The inner transport's figures: frames count into them. */
  readonly stats: TransportStats;
  readonly init: StreamTransportInit;
  private readonly entries = new Map<string, Entry>();
  private closing = false;

  constructor(
    readonly c: StreamTransportComponents,
    init: Partial<StreamTransportInit> = {},
  ) {
    this.stats = c.inner.stats;
    this.init = { ...DEFAULT_STREAM_INIT, ...init };
  }

  async request(req: PeerRequest): Promise<PeerResponse> {
    if (req.method !== 'POST' || !req.token || this.closing || !(STREAM_PATHS as readonly string[]).includes(req.path)) return this.c.inner.request(req);
    const s = this.streamFor(req, req.token);
    if (s && (s.state === 'open' || (s.state === 'connecting' && (await s.ready)))) return s.call(req);
    return this.c.inner.request(req);
  }

  /** Peers with an open stream (tests and the bench read it). */
  openStreams(): string[] {
    return [...this.entries].filter(([, e]) => e.stream?.state === 'open').map(([url]) => url);
  }

  /** Ends every stream (their calls fail); the inner transport is its owner's to close. */
  async close(): Promise<void> {
    this.closing = true;
    for (const e of this.entries.values()) e.stream?.terminate();
    this.entries.clear();
  }

  count(path: string | null, bodySent: number, headerBytes: number, bodyReceived: number): void {
    if (path !== null) {
      this.stats.requests++;
      this.stats.byPath[path] = (this.stats.byPath[path] ?? 0) + 1;
    }
    this.stats.bodyBytesSent += bodySent;
    this.stats.bodyBytesReceived += bodyReceived;
    this.stats.headerBytes += headerBytes;
    this.c.metrics.wireBytesSent += bodySent;
    this.c.metrics.wireBytesReceived += bodyReceived;
  }

  /** The stream to use for this call, starting one when due; null: use HTTP. */
  private streamFor(req: PeerRequest, token: string): PeerStream | null {
    const key = new URL(req.url).origin;
    let e = this.entries.get(key);
    if (e && e.token !== token) {
      // A new hello gave a new token: the old stream speaks for a peering that is gone.
      e.stream?.terminate();
      e = undefined;
    }
    if (!e) this.entries.set(key, (e = { token, stream: null, retryAt: 0, attempts: 0 }));
    if (e.stream && e.stream.state !== 'closed') return e.stream;
    if (this.c.clock.now() < e.retryAt) return null;
    const entry = e;
    const s = new PeerStream(this, key, token, (closed) => this.closed(entry, closed));
    e.stream = s;
    s.connect(req);
    return s;
  }

  private closed(e: Entry, s: PeerStream): void {
    if (e.stream !== s) return;
    e.stream = null;
    if (s.refusedStatus === 404 || s.refusedStatus === 400 || s.refusedStatus === 426) {
      // An older node without the stream: HTTP it is, and ask again much later.
      this.c.logger.info({ url: s.url, status: s.refusedStatus }, 'peer refuses the stream: using HTTP');
      e.retryAt = this.c.clock.now() + this.init.refusedRetryMs;
      return;
    }
    if (s.answered) e.attempts = 0;
    const wait = Math.min(this.init.reconnectCapMs, this.init.reconnectBaseMs * 2 ** e.attempts) * (0.5 + Math.random() / 2);
    e.attempts = Math.min(e.attempts + 1, 20);
    e.retryAt = this.c.clock.now() + wait;
  }
}

const where = (req: PeerRequest) => `POST ${req.url}${req.path}`;
