/**
 * How this node talks to other nodes: one request/response call on a peer's base URL. One
 * transport is made by node/main.ts and shared by the parts that call peers (gossip, mirror),
 * so they share its pools, its address policy and its shutdown. The interface keeps the parts
 * testable and lets the bench count bytes; HttpTransport (http-transport.ts) is the production one. A call that cannot complete (timeout, refused,
 * reset, aborted, or an answer larger than the request's `maxBytes`) throws TransportError; any
 * HTTP answer, even 4xx/5xx, is a PeerResponse. Replies come from other nodes and may be
 * hostile: a transport reads at most `maxBytes` of one and gives up past it.
 */
import { LIMITS } from '../../protocol/limits';

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
  /** Most bytes of the answer's body read (REPLY_CAPS.small when absent). */
  maxBytes?: number;
  /**
   * The URL came from a stranger's hello, not from the owner: a transport with an address
   * policy connects only to addresses it allows, checked on the address actually dialled.
   */
  strangerUrl?: boolean;
}

export interface PeerResponse {
  status: number;
  text: string;
  /** From a 429's Retry-After, in ms. */
  retryAfterMs?: number;
}

export type TransportFailure = 'timeout' | 'network' | 'aborted' | 'too-large';

/** JSON of a batch of message ids, each escaped at worst to twice its length. */
const idListBytes = LIMITS.idsPerBatchMax * (2 * LIMITS.messageIdMaxBytes + 3);

/**
 * Largest answer body read per route, sized to what an honest node can send there, so a peer
 * answering endlessly costs this much memory at most.
 */
export const REPLY_CAPS = {
  /** hello, challenge, healthz, error answers: a few small fields. */
  small: 64 * 1024,
  /** IHAVE: `sendme` and `later` together list at most the offered ids. */
  ihave: idListBytes + 4096,
  /** TAKETHIS results: an id, a status and a short reason per article. */
  takethis: LIMITS.articlesPerBatchMax * (2 * LIMITS.messageIdMaxBytes + 1024),
  /** An archive index page: numbers and ids. */
  index: LIMITS.indexPageMax * (2 * LIMITS.messageIdMaxBytes + 40) + 4096,
  /** The group list of an archive (one line per group the peer holds). */
  groups: LIMITS.requestMaxBytes,
  /** SENDME: cut near sendmeReplyBytes, plus the article that crosses it and the `more` ids. */
  sendme: LIMITS.sendmeReplyBytes + LIMITS.requestMaxBytes / 2 + idListBytes,
} as const;

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
  /** The URL a call to `url` really dials (a test's fault proxy); a stream transport dials the same. */
  dialUrl?(url: string): string;
  /**
   * Ends every call still in flight (each fails with TransportError) and frees the sockets.
   * node/main.ts calls it once the parts have stopped, or when they have not stopped within
   * the shutdown grace because a peer never answers.
   */
  close(): Promise<void>;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
