/**
 * Nodes of one process talking without sockets (cf. gossipsub's test/utils/create-pubsub.ts).
 * A MemoryNetwork hands each node an endpoint: a Transport for its calls and a `bind` that
 * gives its peer app a URL on the network instead of a port. A request is dispatched with the
 * app's `inject`, so it runs the same routes, schemas, auth hooks and error handler as over
 * HTTP. Tests cut or hold links by rule; a held call waits on the network's Clock (a manual
 * one in tests) until its timeout, so no test waits on the wall clock. Answers are bounded by
 * the request's `maxBytes` as HttpTransport's are.
 */
import type { Clock } from '../clock';
import { REPLY_CAPS, TransportError, type PeerRequest, type PeerResponse, type Transport, type TransportStats } from './transport';

/** The slice of a fastify app the network needs (any logger or type provider). */
export interface InjectableApp {
  inject(opts: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: string | Buffer; remoteAddress?: string }): PromiseLike<{
    statusCode: number;
    body: string;
    headers: Record<string, string | string[] | number | undefined>;
  }>;
  ready(): PromiseLike<unknown>;
}

/**
 * What happens to one call: `refuse` fails it at once (a closed port), `hold` keeps it until
 * its timeout or abort (a peer that never answers), `{ delayMs }` delivers it that much later
 * on the clock (a slow link; past the call's timeout it times out), `pass` (or undefined)
 * delivers it.
 */
export type LinkFate = 'pass' | 'refuse' | 'hold' | { delayMs: number };

/** Decides a call's fate from the caller's URL (its own peer URL, '' before it is bound) and the request. */
export type LinkRule = (from: string, req: PeerRequest) => LinkFate | undefined;

export interface MemoryNetworkInit {
  /** First fake port of the endpoints' URLs (http://127.0.0.1:PORT; nothing listens there). */
  firstPort?: number;
}

export class MemoryNetwork {
  private readonly apps = new Map<string, InjectableApp>();
  private readonly rules = new Set<LinkRule>();
  private nextPort: number;

  constructor(
    readonly clock: Clock,
    init: MemoryNetworkInit = {},
  ) {
    this.nextPort = init.firstPort ?? 40_000;
  }

  /** A node's place on the network: its transport and the binder of its peer listener. */
  endpoint(): MemoryEndpoint {
    return new MemoryEndpoint(this);
  }

  /** Adds a rule (checked on every call, first non-pass fate wins); returns its removal. */
  rule(r: LinkRule): () => void {
    this.rules.add(r);
    return () => this.rules.delete(r);
  }

  /** Refuses every call from `from` to `to` (either may be '*') until the returned function heals it. */
  cut(from: string, to: string): () => void {
    return this.rule((f, req) => ((from === '*' || f === from) && (to === '*' || req.url === to) ? 'refuse' : undefined));
  }

  /** @internal Gives an app a URL on this network. */
  attach(app: InjectableApp): string {
    const url = `http://127.0.0.1:${this.nextPort++}`;
    this.apps.set(url, app);
    return url;
  }

  /** @internal The app a call goes to, rules aside (a delayed call once its delay is over). */
  deliver(req: PeerRequest): { fate: LinkFate; app?: InjectableApp } {
    const app = this.apps.get(req.url.replace(/\/+$/, ''));
    return app ? { fate: 'pass', app } : { fate: 'refuse' };
  }

  /** @internal The fate of one call and the app it goes to. */
  route(from: string, req: PeerRequest): { fate: LinkFate; app?: InjectableApp } {
    for (const r of this.rules) {
      const fate = r(from, req);
      if (fate && fate !== 'pass') return { fate };
    }
    return this.deliver(req);
  }
}

/** One node's Transport on a MemoryNetwork, and the binder of its peer app (StartOptions.bindPeer). */
export class MemoryEndpoint implements Transport {
  readonly stats: TransportStats = { requests: 0, byPath: {}, bodyBytesSent: 0, bodyBytesReceived: 0, headerBytes: 0 };
  /** This node's peer URL once bound ('' before). */
  url = '';
  private readonly closing = new AbortController();

  constructor(private readonly net: MemoryNetwork) {}

  /** Readies the peer app and gives it a URL on the network (what listening does over HTTP). */
  bind = async (app: InjectableApp): Promise<string> => {
    await app.ready();
    this.url = this.net.attach(app);
    return this.url;
  };

  async request(req: PeerRequest, delayed = false): Promise<PeerResponse> {
    if (!delayed) {
      this.stats.requests++;
      this.stats.byPath[req.path] = (this.stats.byPath[req.path] ?? 0) + 1;
    }
    if (this.closing.signal.aborted || req.signal?.aborted) throw new TransportError('aborted', `${req.method} ${req.path}: aborted`);
    const { fate, app } = delayed ? this.net.deliver(req) : this.net.route(this.url, req);
    if (fate === 'hold') return this.held(req);
    if (typeof fate === 'object') {
      if (fate.delayMs >= req.timeoutMs) return this.held(req);
      await this.net.clock.sleep(fate.delayMs, req.signal);
      if (req.signal?.aborted) throw new TransportError('aborted', `${req.method} ${req.path}: aborted`);
      return this.request({ ...req, timeoutMs: req.timeoutMs - fate.delayMs }, true);
    }
    if (fate === 'refuse' || !app) throw new TransportError('network', `${req.url}${req.path}: connection refused (memory network)`);
    const headers: Record<string, string> = {};
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    if (req.body !== undefined) this.stats.bodyBytesSent += typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length;
    let res: Awaited<ReturnType<InjectableApp['inject']>>;
    try {
      res = await app.inject({ method: req.method, url: req.path, headers, ...(req.body !== undefined ? { payload: req.body } : {}), remoteAddress: '127.0.0.1' });
    } catch (err) {
      // A closed app refuses, as a closed port does.
      throw new TransportError('network', `${req.url}${req.path}: ${(err as Error).message}`);
    }
    const bytes = Buffer.byteLength(res.body);
    this.stats.bodyBytesReceived += bytes;
    if (bytes > (req.maxBytes ?? REPLY_CAPS.small)) throw new TransportError('too-large', `${req.url}${req.path}: answer over ${req.maxBytes ?? REPLY_CAPS.small} bytes`);
    const ra = res.headers['retry-after'];
    const retryAfterMs = typeof ra === 'string' && /^\d+$/.test(ra) ? Number(ra) * 1000 : undefined;
    return { status: res.statusCode, text: res.body, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  /** A call nobody answers: it ends at its timeout on the clock, or when aborted. */
  private async held(req: PeerRequest): Promise<never> {
    const gone = new AbortController();
    const stop = () => gone.abort();
    req.signal?.addEventListener('abort', stop, { once: true });
    this.closing.signal.addEventListener('abort', stop, { once: true });
    try {
      await this.net.clock.sleep(req.timeoutMs, gone.signal);
    } finally {
      req.signal?.removeEventListener('abort', stop);
      this.closing.signal.removeEventListener('abort', stop);
    }
    if (gone.signal.aborted) throw new TransportError('aborted', `${req.url}${req.path}: aborted`);
    throw new TransportError('timeout', `${req.url}${req.path}: no answer within ${req.timeoutMs} ms`);
  }
}
