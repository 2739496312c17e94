/**
 * The production Transport: undici with one keep-alive pool per peer origin, a timeout on
 * connect, headers and body of every request, and byte counting into the node's metrics
 * (wireBytesSent/Received: bodies and headers, what the bench calls bytes on the wire).
 */
import { Agent, errors as undiciErrors } from 'undici';
import type { Metrics } from '../metrics';
import { TransportError, type PeerRequest, type PeerResponse, type Transport, type TransportStats } from './transport';

export interface HttpTransportInit {
  /** Sockets per peer origin: several batches in flight need several. */
  connectionsPerPeer?: number;
  connectTimeoutMs?: number;
}

export class HttpTransport implements Transport {
  readonly stats: TransportStats = { requests: 0, byPath: {}, bodyBytesSent: 0, bodyBytesReceived: 0, headerBytes: 0 };
  private readonly agent: Agent;

  constructor(
    private readonly c: { metrics: Metrics },
    init: HttpTransportInit = {},
  ) {
    this.agent = new Agent({
      connections: init.connectionsPerPeer ?? 8,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connect: { timeout: init.connectTimeoutMs ?? 5_000 },
    });
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
    try {
      const res = await this.agent.request({
        origin: origin.origin,
        path: req.path,
        method: req.method,
        headers,
        body: req.body,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: req.signal,
      });
      const text = await res.body.text();
      for (const [k, v] of Object.entries(res.headers)) hdr += k.length + String(v).length + 4;
      hdr += 17; // status line
      const received = Buffer.byteLength(text);
      this.count(bodyBytes, received, hdr);
      const ra = res.headers['retry-after'];
      const retryAfterMs = typeof ra === 'string' && /^\d+$/.test(ra) ? Number(ra) * 1000 : undefined;
      return { status: res.statusCode, text, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    } catch (err) {
      this.count(bodyBytes, 0, hdr);
      throw toTransportError(err, req);
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
    await this.agent.close().catch(() => this.agent.destroy());
  }
}

function toTransportError(err: unknown, req: PeerRequest): TransportError {
  const where = `${req.method} ${req.url}${req.path}`;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
    return new TransportError('timeout', `${where}: no answer within ${req.timeoutMs} ms`);
  }
  if (err instanceof undiciErrors.RequestAbortedError || (err as Error)?.name === 'AbortError') return new TransportError('aborted', `${where}: aborted`);
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  return new TransportError('network', `${where}: ${code ? `${code} ` : ''}${e.message}`);
}
