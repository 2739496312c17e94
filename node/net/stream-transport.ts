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
 * framing), so one set of figures covers both paths. One stream's socket and calls are
 * peer-stream.ts's.
 *
 * One socket per peered pair: a stream is asked two-way (`x-newsmesh-duplex`), and a node
 * that accepted a peer's two-way stream (adopt) makes its own calls to that peer on it instead
 * of dialling. When both dialled at once, both keep using the socket whose token sorts lower
 * (each side knows both tokens), and the one who dialled the other retires it.
 */
import { STREAM_PATHS } from '../../protocol/stream-frames';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { AddressPolicy } from './address-policy';
import type { WebSocket } from 'ws';
import { PeerStream } from './peer-stream';
import type { CallServer, FrameSink } from './stream-host';
import type { PeerRequest, PeerResponse, Transport, TransportStats } from './transport';

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
  /** Send compact frame headers to a server that takes them (false: JSON header lines only, as older nodes). */
  compactFrames: boolean;
  /** Ask for and grant two-way streams, one socket per peered pair (false: one stream per direction, as older nodes). */
  duplex: boolean;
}

export const DEFAULT_STREAM_INIT: StreamTransportInit = {
  window: 32,
  highWaterBytes: 4 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  reconnectBaseMs: 250,
  reconnectCapMs: 30_000,
  refusedRetryMs: 5 * 60_000,
  compactFrames: true,
  duplex: true,
};

/** Streams this node keeps dialled to one address (a new hello's token, or a stranger claiming a peer's address, adds one). */
const ENTRIES_PER_ORIGIN = 2;

interface Entry {
  origin: string;
  /** Order of the last call that chose it: the least recently used goes past ENTRIES_PER_ORIGIN. */
  usedAt: number;
  token: string;
  stream: PeerStream | null;
  retryAt: number;
  attempts: number;
}

const entryKey = (origin: string, token: string) => `${origin} ${token}`;

export class StreamTransport implements Transport {
  /** The inner transport's figures: frames count into them. */
  readonly stats: TransportStats;
  readonly init: StreamTransportInit;
  private readonly entries = new Map<string, Entry>();
  /** Two-way streams peers dialled here, by peer name: this node's calls to them ride these. */
  private readonly accepted = new Map<string, { stream: PeerStream; callsWith: () => string | undefined }>();
  private closing = false;
  /** Counts the calls that chose a dialled stream (its LRU order). */
  private uses = 0;
  /** Serves the calls peers make back on streams this node dialled; set by the stream routes. */
  calls: CallServer | null = null;

  constructor(
    readonly c: StreamTransportComponents,
    init: Partial<StreamTransportInit> = {},
  ) {
    this.stats = c.inner.stats;
    this.init = { ...DEFAULT_STREAM_INIT, ...init };
  }

  async request(req: PeerRequest): Promise<PeerResponse> {
    if (req.method !== 'POST' || !req.token || this.closing || !(STREAM_PATHS as readonly string[]).includes(req.path)) return this.c.inner.request(req);
    const back = this.acceptedFor(req.url, req.token);
    if (back) return back.call(req);
    const s = this.streamFor(req, req.token);
    if (s && (s.state === 'open' || (s.state === 'connecting' && (await s.ready)))) return s.call(req);
    return this.c.inner.request(req);
  }

  /** Peers with an open stream this node dialled (tests and the bench read it). */
  openStreams(): string[] {
    return [...this.entries.values()].filter((e) => e.stream?.state === 'open' && !e.stream.retiring).map((e) => e.origin);
  }

  /**
   * Takes a two-way stream the peer `name` dialled here with `token`: this node's calls made
   * with the token that peer gave it (`callsWith`, read at each call: a new hello changes it)
   * ride it from now on; `sink` serves the peer's calls. Matching by that token, not by URL,
   * keeps a stranger who claims another peer's URL from receiving that peer's calls and the
   * bind that would tell it this node's token there. A newer stream of the same peer replaces
   * the older (the server's streamsPerPeerMax closes the oldest socket).
   */
  adopt(name: string, url: string, token: string, callsWith: () => string | undefined, ws: WebSocket, sink: FrameSink): void {
    const stream = new PeerStream(this, url, token, (done) => this.accepted.get(name)?.stream === done && this.accepted.delete(name), 'accepted');
    this.accepted.set(name, { stream, callsWith });
    stream.attach(ws, sink);
  }

  /** Counts a one-way stream a peer dialled here (served by the routes alone) among the open sockets. */
  served(ws: WebSocket): void {
    this.c.metrics.peerStreamsOpen++;
    ws.once('close', () => this.c.metrics.peerStreamsOpen--);
  }

  /** Ends every stream (their calls fail); the inner transport is its owner's to close. */
  async close(): Promise<void> {
    this.closing = true;
    for (const e of this.entries.values()) e.stream?.terminate();
    for (const a of this.accepted.values()) a.stream.terminate();
    this.entries.clear();
    this.accepted.clear();
  }

  /**
   * The peer's two-way stream to this node, when it is the one to use: ours is not open, or
   * both are and the peer's token sorts lower (then ours is retired, and the peer, seeing the
   * same two tokens, keeps using its own).
   */
  private acceptedFor(url: string, token: string): PeerStream | null {
    if (this.accepted.size === 0) return null;
    let back: PeerStream | null = null;
    // At most --max-peers entries, and only while some peer's two-way stream is open.
    for (const a of this.accepted.values()) if (a.stream.state === 'open' && a.callsWith() === token) back = a.stream;
    if (!back) return null;
    const own = this.entries.get(entryKey(new URL(url).origin, token))?.stream;
    const ownOpen = own?.state === 'open' && !own.retiring && own.token === token;
    if (ownOpen && own.token < back.token) return null;
    if (ownOpen) own.retire();
    return back;
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
    const origin = new URL(req.url).origin;
    const key = entryKey(origin, token);
    const now = this.c.clock.now();
    let e = this.entries.get(key);
    if (!e) {
      this.evictFor(origin);
      this.entries.set(key, (e = { origin, usedAt: 0, token, stream: null, retryAt: 0, attempts: 0 }));
    }
    e.usedAt = ++this.uses;
    if (e.stream && e.stream.state !== 'closed' && !e.stream.retiring) return e.stream;
    if (now < e.retryAt) return null;
    const entry = e;
    const s = new PeerStream(this, origin, token, (closed) => this.closed(entry, closed));
    e.stream = s;
    s.connect(req);
    return s;
  }

  /**
   * Makes room for one more stream to `origin`: past ENTRIES_PER_ORIGIN the least recently used
   * one is ended. Streams are kept per address and token, so the calls for a peering whose token
   * changed, or for a stranger who named another peer's address in its hello, do not end the
   * stream of the peer that answers there each time they alternate.
   */
  private evictFor(origin: string): void {
    let n = 0;
    let oldest: [string, Entry] | null = null;
    for (const [k, e] of this.entries) {
      if (e.origin !== origin) continue;
      n++;
      if (!oldest || e.usedAt < oldest[1].usedAt) oldest = [k, e];
    }
    if (n < ENTRIES_PER_ORIGIN || !oldest) return;
    oldest[1].stream?.terminate();
    this.entries.delete(oldest[0]);
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

