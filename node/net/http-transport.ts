/**
 * The production Transport: undici with one keep-alive pool per peer origin, a timeout on
 * connect, headers and body of every request, and byte counting into the node's metrics
 * (wireBytesSent/Received: bodies and headers, what the bench calls bytes on the wire).
 * Answers are streamed and dropped (socket closed) as soon as they pass the request's
 * `maxBytes`, or at once when their Content-Length says they would. Requests to a URL a
 * stranger named go through a second pool whose connector asks the address policy about
 * the address it is about to connect to (DNS rebinding after the hello is refused there).
 */
import { isIP } from 'node:net';
import { Agent, buildConnector, errors as undiciErrors } from 'undici';
import { systemClock, type Clock } from '../clock';
import type { Metrics } from '../metrics';
import { bareHost } from './address-class';
import { DialRefused, type AddressPolicy } from './address-policy';
import { REPLY_CAPS, TransportError, type PeerRequest, type PeerResponse, type Transport, type TransportStats } from './transport';

export interface HttpTransportInit {
  /** Sockets per peer origin: several batches in flight need several. */
  connectionsPerPeer?: number;
  connectTimeoutMs?: number;
}

export interface HttpTransportComponents {
  metrics: Metrics;
  clock?: Clock;
  /** Checks the dials of `strangerUrl` requests; without it they dial like any other. */
  policy?: Pick<AddressPolicy, 'addressRefusal' | 'dialLookup'>;
}

export class HttpTransport implements Transport {
  readonly stats: TransportStats = { requests: 0, byPath: {}, bodyBytesSent: 0, bodyBytesReceived: 0, headerBytes: 0 };
  private readonly agent: Agent;
  /** The pool for URLs strangers named: its sockets only reach addresses the policy allows. */
  private readonly guarded: Agent;
  private readonly clock: Clock;

  constructor(
    private readonly c: HttpTransportComponents,
    init: HttpTransportInit = {},
  ) {
    this.clock = c.clock ?? systemClock;
    const timeout = init.connectTimeoutMs ?? 5_000;
    const pool = { connections: init.connectionsPerPeer ?? 8, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 };
    this.agent = new Agent({ ...pool, connect: { timeout } });
    this.guarded = c.policy ? new Agent({ ...pool, connect: guardedConnector(c.policy, timeout) }) : this.agent;
  }

  async request(req: PeerRequest): Promise<PeerResponse> {
    const headers: Record<string, string> = {};
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    const bodyBytes = req.body === undefined ? 0 : typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length;
    const origin = new URL(req.url);
    // Request line + Host + Content-Length + Connection, as undici writes them.
    let hdr = req.method.length + req.path.length + 12 + 6 + origin.host.length + 2 + 40;
    for (const [k, v] of Object.entries(headers)) hdr += k.length + v.length + 4;
    this.stats.requests++;
    this.stats.byPath[req.path] = (this.stats.byPath[req.path] ?? 0) + 1;
    // undici's timeouts bound each wait; this deadline bounds the whole call, so a reply that
    // trickles in a byte at a time cannot hold it open. (Not AbortSignal.any: on Node 20 it
    // leaks when combined with a long-lived signal such as a link's.)
    const call = new AbortController();
    const settled = new AbortController();
    const onAbort = () => call.abort(req.signal?.reason);
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    let pastDeadline = false;
    void this.clock.sleep(req.timeoutMs, settled.signal).then(() => {
      if (settled.signal.aborted) return;
      pastDeadline = true;
      call.abort(DEADLINE);
    });
    try {
      const agent = req.strangerUrl ? this.guarded : this.agent;
      const res = await agent.request({
        origin: origin.origin,
        path: req.path,
        method: req.method,
        headers,
        body: req.body,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: call.signal,
      });
      for (const [k, v] of Object.entries(res.headers)) hdr += k.length + String(v).length + 4;
      hdr += 17; // status line
      const { text, received } = await readCapped(res.body, req.maxBytes ?? REPLY_CAPS.small, Number(res.headers['content-length'] ?? -1), req);
      this.count(bodyBytes, received, hdr);
      const ra = res.headers['retry-after'];
      const retryAfterMs = typeof ra === 'string' && /^\d+$/.test(ra) ? Number(ra) * 1000 : undefined;
      return { status: res.statusCode, text, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    } catch (err) {
      this.count(bodyBytes, 0, hdr);
      throw toTransportError(err, req, pastDeadline);
    } finally {
      settled.abort();
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  private count(sent: number, received: number, headers: number): void {
    this.stats.bodyBytesSent += sent;
    this.stats.bodyBytesReceived += received;
    this.stats.headerBytes += headers;
    this.c.metrics.wireBytesSent += sent;
    this.c.metrics.wireBytesReceived += received;
  }

  async close(): Promise<void> {
    const agents = this.guarded === this.agent ? [this.agent] : [this.agent, this.guarded];
    // destroy, not close: close would wait for a call to a peer that never answers.
    await Promise.all(agents.map((a) => (a.destroyed ? undefined : a.destroy().catch(() => undefined))));
  }
}

/**
 * A connector that resolves host names through the policy's checking lookup; an IP literal
 * (which net.connect never looks up) is checked here before the socket is made.
 */
function guardedConnector(policy: Pick<AddressPolicy, 'addressRefusal' | 'dialLookup'>, timeout: number): buildConnector.connector {
  const connect = buildConnector({ timeout, lookup: policy.dialLookup });
  return (opts, callback) => {
    const host = bareHost(opts.hostname);
    const why = isIP(host) ? policy.addressRefusal(host, host, [host]) : null;
    if (why) return callback(new DialRefused(why), null);
    return connect(opts, callback);
  };
}

const DEADLINE = { reason: 'deadline' };

type Body = AsyncIterable<Buffer> & { destroy(err?: Error): unknown };

/** Reads a body up to `max` bytes; past it the stream is destroyed and a 'too-large' error thrown. */
async function readCapped(body: Body, max: number, declared: number, req: PeerRequest): Promise<{ text: string; received: number }> {
  const tooLarge = () => new TransportError('too-large', `${where(req)}: answer larger than ${max} bytes (the limit for ${req.path.split('?')[0]})`);
  if (declared > max) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    if (received > max) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks, received).toString('utf8'), received };
}

const where = (req: PeerRequest) => `${req.method} ${req.url}${req.path}`;

function toTransportError(err: unknown, req: PeerRequest, pastDeadline: boolean): TransportError {
  if (err instanceof TransportError) return err;
  const timedOut = err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || err instanceof undiciErrors.ConnectTimeoutError;
  if (pastDeadline || timedOut) {
    return new TransportError('timeout', `${where(req)}: no answer within ${req.timeoutMs} ms`);
  }
  if (err instanceof undiciErrors.RequestAbortedError || (err as Error)?.name === 'AbortError') return new TransportError('aborted', `${where(req)}: aborted`);
  if (err instanceof DialRefused) return new TransportError('network', `${where(req)}: not dialled: ${err.message}`);
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  return new TransportError('network', `${where(req)}: ${code ? `${code} ` : ''}${e.message}`);
}
