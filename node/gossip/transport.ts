/**
 * How gossip talks to other nodes: one request/response call on a peer's base URL. The
 * interface keeps the engine testable and lets the bench count bytes; HttpTransport
 * (http-transport.ts) is the production one. A call that cannot complete (timeout, refused,
 * reset, aborted) throws TransportError; any HTTP answer, even 4xx/5xx, is a PeerResponse.
 */
export interface PeerRequest {
  /** The peer's base URL (`http://host:port`). */
  url: string;
  method: 'GET' | 'POST';
  path: string;
  /** Already serialised JSON (senders build TAKETHIS bodies from cached UTF-8 bytes). */
  body?: string | Buffer;
  /** Bearer token for the peer's protocol routes. */
  token?: string;
  /** Upper bound for the whole call; every request has one. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface PeerResponse {
  status: number;
  text: string;
  /** From a 429's Retry-After, in ms. */
  retryAfterMs?: number;
}

export type TransportFailure = 'timeout' | 'network' | 'aborted';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface TransportStats {
  requests: number;
  /** Requests per path (`/v1/ihave`, ...). */
  byPath: Record<string, number>;
  /** Request and response bodies. */
  bodyBytesSent: number;
  bodyBytesReceived: number;
  /** Request line and headers both ways, as far as the client can see them. */
  headerBytes: number;
}

export interface Transport {
  request(req: PeerRequest): Promise<PeerResponse>;
  readonly stats: TransportStats;
  close(): Promise<void>;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
