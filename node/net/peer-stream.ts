/**
 * One peer's stream (the client side of `GET /v1/stream`): its WebSocket, its calls in flight
 * matched by id, and its send queue. Calls are pipelined up to the transport's window, no frame
 * is written while more than `highWaterBytes` wait in the socket, one timer watches every
 * call's deadline, and a stream silent for as long as a call that timed out is ended. Frames go
 * in the compact form once the server's upgrade answer said it takes it, else as JSON lines.
 * Opening, reconnecting and falling back to HTTP are the transport's (stream-transport.ts).
 */
import { isIP } from 'node:net';
import WebSocket from 'ws';
import { buildFrame, COMPACT_FRAMES_HEADER, COMPACT_FRAMES_VALUE, splitFrame, StreamReplyHeaderSchema } from '../../protocol/stream-frames';
import { LIMITS } from '../../protocol/limits';
import { bareHost } from './address-class';
import type { AddressPolicy } from './address-policy';
import type { StreamTransportComponents, StreamTransportInit } from './stream-transport';
import { REPLY_CAPS, TransportError, type PeerRequest, type PeerResponse, type TransportStats } from './transport';

/** What a stream needs of its transport. */
export interface StreamHost {
  readonly c: StreamTransportComponents;
  readonly init: StreamTransportInit;
  readonly stats: TransportStats;
  count(path: string | null, bodySent: number, headerBytes: number, bodyReceived: number): void;
}

/** Largest answer a stream takes (the largest flood-fill answer and its header line). */
export const CLIENT_MAX_PAYLOAD = Math.max(REPLY_CAPS.ihave, REPLY_CAPS.takethis) + LIMITS.streamHeaderMaxBytes + 1;
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
export class PeerStream {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  /** Resolves true once open, false if it never opened. */
  readonly ready: Promise<boolean>;
  /** Set once a call was answered: the peer speaks the stream (the reconnect wait starts over). */
  answered = false;
  refusedStatus = 0;
  /** The server's upgrade answer said it takes compact frames. */
  compact = false;
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
    private readonly t: StreamHost,
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
    ws.on('upgrade', (res) => {
      this.compact = this.t.init.compactFrames && res.headers[COMPACT_FRAMES_HEADER] === COMPACT_FRAMES_VALUE;
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
        const body = req.body ?? '';
        const frame = buildFrame({ id, path: req.path }, body, this.compact);
        const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
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


const where = (req: PeerRequest) => `POST ${req.url}${req.path}`;
