/**
 * One peer's stream: its WebSocket, this node's calls in flight matched by id, and its send
 * queue. Calls are pipelined up to the transport's window, no frame is written while more than
 * `highWaterBytes` wait in the socket, one timer watches every call's deadline, and a stream
 * silent for as long as a call that timed out is ended. Frames go in the compact form once the
 * server's upgrade answer said it takes it, else as JSON lines. A stream is either `dialled`
 * (this node is the client of `GET /v1/stream`) or `accepted` (a peer dialled a two-way stream
 * here, and this node makes its own calls on it, after a bind). On a two-way stream each side
 * also serves the other's calls: the accepted side through the session it was given, the
 * dialled side through the transport's CallServer once the peer's bind is accepted.
 * Opening, reconnecting, choosing a stream and falling back to HTTP are the transport's
 * (stream-transport.ts).
 */
import { isIP } from 'node:net';
import WebSocket from 'ws';
import { BIND_PATH, buildFrame, COMPACT_FRAMES_HEADER, COMPACT_FRAMES_VALUE, DUPLEX_HEADER, DUPLEX_VALUE, frameKind, isBindFrame, splitFrame, StreamBindSchema, StreamReplyHeaderSchema, StreamRequestHeaderSchema, type StreamReplyHeader } from '../../protocol/stream-frames';
import { bareHost } from './address-class';
import type { AddressPolicy } from './address-policy';
import { CLIENT_MAX_PAYLOAD, type FrameSink, type StreamHost } from './stream-host';
import { parseJson, REPLY_CAPS, TransportError, type PeerRequest, type PeerResponse } from './transport';

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
  /** Two-way: the peer makes its calls on this socket too. */
  duplex = false;
  /** No new calls: the peer's stream carries the link now; closed once its calls are answered. */
  retiring = false;
  /** The peer's calls on this socket (accepted: given; dialled: once its bind is accepted). */
  private incoming: FrameSink | null = null;
  /** Accepted side: the token the last bind presented (a new hello's token binds again). */
  private boundToken: string | null = null;
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

  /**
   * `token` authenticates the socket (the dialler's bearer token: ours when dialled, the
   * peer's when accepted); two nodes that each dialled keep the socket whose token sorts lower.
   */
  constructor(
    private readonly t: StreamHost,
    readonly url: string,
    readonly token: string,
    private readonly onClosed: (s: PeerStream) => void,
    readonly side: 'dialled' | 'accepted' = 'dialled',
  ) {
    this.ready = new Promise((r) => (this.opened = r));
  }

  /** Takes a two-way socket a peer dialled here; `sink` serves the peer's calls on it. */
  attach(ws: WebSocket, sink: FrameSink): void {
    this.ws = ws;
    this.incoming = sink;
    this.compact = true;
    this.duplex = true;
    this.listen(ws);
    this.t.c.metrics.peerStreamsAccepted++;
    this.t.c.metrics.peerStreamsOpen++;
    this.lastHeardAt = this.t.c.clock.now();
    this.state = 'open';
    this.opened(true);
  }

  connect(req: PeerRequest): void {
    const origin = new URL(this.t.c.inner.dialUrl?.(req.url) ?? req.url);
    // ws hands its options to http.request, so `lookup` reaches net.connect like undici's.
    // Two-way only with compact frames: on one socket the first byte must tell a call from an answer.
    const calls = this.t.init.duplex && this.t.init.compactFrames ? this.t.calls : null;
    const options: WebSocket.ClientOptions & { lookup?: AddressPolicy['dialLookup'] } = {
      headers: { authorization: `Bearer ${this.token}`, ...(calls ? { [DUPLEX_HEADER]: DUPLEX_VALUE } : {}) },
      maxPayload: Math.max(CLIENT_MAX_PAYLOAD, calls?.maxFrameBytes ?? 0),
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
      this.duplex = calls !== null && this.compact && res.headers[DUPLEX_HEADER] === DUPLEX_VALUE;
    });
    ws.on('open', () => {
      this.t.c.metrics.peerStreamsDialled++;
      this.t.c.metrics.peerStreamsOpen++;
      this.lastHeardAt = this.t.c.clock.now();
      this.state = 'open';
      this.opened(true);
      this.pump();
    });
    this.listen(ws);
  }

  private listen(ws: WebSocket): void {
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('error', () => undefined); // 'close' follows and says it
    ws.on('close', (code, reason) => this.closed(`stream closed (${code}${reason.length ? ` ${reason.toString('utf8').slice(0, 120)}` : ''})`));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const kind = isBinary ? frameKind(data) : 'json';
    if (this.side === 'accepted') return kind === 'reply' ? this.onReply(data, isBinary) : this.incoming!.take(data, isBinary);
    if (kind !== 'call') return this.onReply(data, isBinary);
    if (!this.duplex) return this.protocolError('a call on a one-way stream');
    if (isBindFrame(data)) return this.onBind(data);
    if (!this.incoming) return this.protocolError('a call before the bind');
    this.incoming.take(data, isBinary);
  }

  /** Dialled side: the peer's bind, which says whose calls come back on this socket. */
  private onBind(data: Buffer): void {
    const split = splitFrame(data);
    const head = split ? StreamRequestHeaderSchema.safeParse(split.header) : undefined;
    const body = split ? StreamBindSchema.safeParse(parseJson(split.body.toString('utf8'))) : undefined;
    if (!head?.success || !body?.success) return this.protocolError('a bind without a valid header and {"token":...}');
    // A stream is two-way only when the transport had a CallServer as it dialled.
    const calls = this.t.calls!;
    const token = body.data.token;
    const refused = calls.refusal(token, this.token);
    if (!refused) {
      if (this.incoming) this.incoming.rebind(token);
      else this.incoming = calls.session(this.ws!, token);
    }
    const header: StreamReplyHeader = { id: head.data.id, status: refused ? refused.status : 200 };
    this.ws!.send(buildFrame(header, refused ? refused.body : '{}', true), { binary: true });
    if (refused) this.ws!.close(1008, 'bind refused');
  }

  private protocolError(what: string): void {
    this.t.c.logger.warn({ url: this.url, what }, 'peer stream protocol error: closing it');
    this.ws?.terminate();
  }

  /** Sends one call; the answer, or a TransportError, settles it. */
  call(req: PeerRequest): Promise<PeerResponse> {
    if (this.side === 'accepted' && req.token && this.boundToken !== req.token) this.bind(req.token, req);
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
          if (this.retiring && this.pending.size === 0) this.ws?.close(1000, "the peer's stream carries this link");
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
        this.t.count(req.path, bodyBytes, frame.length - bodyBytes + framing(frame.length, this.side === 'dialled'), 0);
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
    this.t.count(null, 0, data.length - body.length + framing(data.length, this.side === 'accepted'), body.length);
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
    if (wasOpen) this.t.c.metrics.peerStreamsOpen--;
    this.state = 'closed';
    this.opened(false);
    this.unwatch.abort(SETTLED);
    for (const p of [...this.pending.values()]) p.finish(new TransportError('network', `${this.url}: ${why}`));
    this.pump();
    if (wasOpen) this.t.c.logger.info({ url: this.url, reason: why }, 'peer stream closed');
    this.onClosed(this);
  }

  /**
   * Accepted side: presents the token this node calls the peer with, ahead of the calls that
   * follow (one socket keeps order), so the peer knows whose they are. A refused bind ends the
   * stream; the calls behind it then go by the transport's other ways.
   */
  private bind(token: string, req: PeerRequest): void {
    this.boundToken = token;
    const bind: PeerRequest = { url: req.url, method: 'POST', path: BIND_PATH, token, body: JSON.stringify({ token }), timeoutMs: this.t.init.connectTimeoutMs };
    this.call(bind).then(
      (res) => {
        if (res.status === 200) return;
        this.t.c.logger.warn({ url: this.url, status: res.status, answer: res.text.slice(0, 200) }, 'peer refused the bind of its two-way stream: closing it');
        this.terminate();
      },
      // The stream ended first: its calls failed with it and were told so.
      () => undefined,
    );
  }

  /** No new calls; closes once the calls in flight are answered (the peer's own stream carries the link). */
  retire(): void {
    if (this.retiring || this.state !== 'open') return;
    this.retiring = true;
    if (this.pending.size === 0) this.ws?.close(1000, "the peer's stream carries this link");
  }

  terminate(): void {
    if (this.ws) this.ws.terminate();
    else this.closed('transport closed');
  }
}


const where = (req: PeerRequest) => `POST ${req.url}${req.path}`;
