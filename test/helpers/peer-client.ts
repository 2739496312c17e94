/**
 * A keyed test peer that speaks the peer protocol by hand: challenge + signed hello (the real
 * key proof, or any part of it broken on purpose), then IHAVE / TAKETHIS with the token the
 * node gave. For suites that play a peer or a stranger against a node (gossip, fuzzing).
 *
 *   const peer = await PeerClient.connect(node.peerUrl, { name: 'feeder' });
 *   await peer.takethis([makeArticle()]);
 */
import { randomBytes } from 'node:crypto';
import { generateNodeKey, type NodeKey } from '../../node/identity/node-key';
import { challengeSigValid, helloReplySigValid, signHello } from '../../node/identity/key-proof';
import type { ChallengeReply, Hello, HelloReply } from '../../protocol/peer-messages';

export interface PeerClientOptions {
  name: string;
  /** The URL this peer claims as its own (default: a loopback port nobody listens on). */
  url?: string;
  /** Its key (default: a fresh one). */
  key?: NodeKey;
  /** The token it gives the node for calling back (default: random). */
  token?: string;
  groups?: string;
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** What a test may change in a hello before (or after, with `resign: false`) it is signed. */
export type HelloOverrides = Partial<Hello> & {
  /** Sign with this key instead of the one in `key`. */
  signWith?: NodeKey;
  /** Leave out these fields entirely (after signing). */
  omit?: (keyof Hello)[];
};

const random = (n = 24) => randomBytes(n).toString('base64url');

async function answer<T>(res: Response): Promise<Answer<T>> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: kept as text */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export class PeerClient {
  readonly key: NodeKey;
  readonly name: string;
  readonly url: string;
  readonly token: string;
  readonly groups?: string;
  /** The bearer token the node gave us in its last successful hello. */
  tokenOut?: string;
  /** The node's last hello reply, and whether its signature over our nonce verified. */
  lastReply?: HelloReply;
  replyProven = false;

  constructor(
    /** The node's peer URL. */
    readonly target: string,
    opts: PeerClientOptions,
  ) {
    this.name = opts.name;
    // Port 9 (discard) answers nobody; the path keeps each client's address its own (one address, one peer).
    this.url = opts.url ?? `http://127.0.0.1:9/${encodeURIComponent(opts.name)}`;
    this.key = opts.key ?? generateNodeKey();
    this.token = opts.token ?? random();
    if (opts.groups) this.groups = opts.groups;
  }

  /** A peer that has greeted the node; throws unless the node answered 200. */
  static async connect(target: string, opts: PeerClientOptions): Promise<PeerClient> {
    const peer = new PeerClient(target, opts);
    const res = await peer.hello();
    if (res.status !== 200) throw new Error(`hello refused: ${res.status} ${JSON.stringify(res.body)}`);
    return peer;
  }

  /** POST /v1/challenge; the reply's signature over our nonce is checked (`proven`). */
  async challenge(): Promise<Answer<ChallengeReply> & { proven: boolean }> {
    const nonce = random();
    const res = await answer<ChallengeReply>(await this.post('/v1/challenge', { nonce }));
    const b = res.body;
    const proven = res.status === 200 && !!b.sig && challengeSigValid({ nonce, challenge: b.challenge, name: b.name, key: b.key }, b.sig);
    return { ...res, proven };
  }

  /** A hello for `challenge`, signed properly unless the overrides say otherwise. */
  signedHello(challenge: string, over: HelloOverrides = {}): Hello {
    const { signWith, omit, sig, ...fields } = over;
    const base = {
      name: this.name,
      url: this.url,
      version: 1,
      token: this.token,
      ...(this.groups ? { groups: this.groups } : {}),
      key: this.key.key,
      challenge,
      time: Date.now(),
      to: this.target,
      nonce: random(),
      ...fields,
    };
    const { version: _version, ...signed } = base;
    const hello: Hello = { ...base, sig: sig ?? signHello(signWith ?? this.key, signed) };
    for (const k of omit ?? []) delete (hello as Partial<Hello>)[k];
    return hello;
  }

  /** POST /v1/hello with a body as given (raw: anything goes). */
  async postHello(hello: unknown, authorization?: string): Promise<Answer<HelloReply>> {
    const res = await answer<HelloReply>(await this.post('/v1/hello', hello, authorization));
    if (res.status === 200) {
      const h = hello as Hello;
      const r = res.body;
      this.lastReply = r;
      this.tokenOut = r.token;
      this.replyProven = helloReplySigValid({ nonce: h.nonce, challenge: h.challenge, name: r.name, key: r.key, token: r.token, state: r.state }, r.sig);
    }
    return res;
  }

  /** The whole handshake: a fresh challenge, then the (possibly altered) signed hello. */
  async hello(opts: { over?: HelloOverrides; authorization?: string } = {}): Promise<Answer<HelloReply>> {
    const ch = await this.challenge();
    if (ch.status !== 200) return ch as unknown as Answer<HelloReply>;
    return this.postHello(this.signedHello(ch.body.challenge, opts.over), opts.authorization);
  }

  async ihave(ids: string[]): Promise<Answer<{ sendme: string[]; later: string[] }>> {
    return answer(await this.post('/v1/ihave', { ids }, this.bearer()));
  }

  async takethis(articles: unknown[]): Promise<Answer<{ results: { id: string; status: string; reason?: string }[] }>> {
    return answer(await this.post('/v1/takethis', { articles }, this.bearer()));
  }

  /** A JSON POST to the node's peer listener. */
  post(path: string, body: unknown, authorization?: string): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization) headers.authorization = authorization;
    return fetch(`${this.target}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  private bearer(): string | undefined {
    return this.tokenOut ? `Bearer ${this.tokenOut}` : undefined;
  }
}
