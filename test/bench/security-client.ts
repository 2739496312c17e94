/**
 * Clients for the security bench's attacker process: HTTP from a chosen loopback source
 * address (undici `localAddress`, so each attack is its own client to the victim's
 * per-address limits), a keyed stranger that does the real handshake (or breaks it on
 * purpose), and a tally of outcomes per attack. Every request has a deadline.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { generateNodeKey, type NodeKey } from '../../node/identity/node-key';
import { signHello } from '../../node/identity/key-proof';
import type { Hello } from '../../protocol/peer-messages';

export interface Answer {
  status: number;
  text: string;
  /** Time to the whole answer, ms. */
  ms: number;
}

export interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/** A keep-alive pool whose sockets leave from `localAddress` (127.0.0.x). */
export function clientFrom(localAddress: string, connections = 4): Agent {
  return new Agent({ localAddress, connections, keepAliveTimeout: 4_000, headersTimeout: 15_000, bodyTimeout: 15_000 });
}

/** One request; transport failures come back as status 0 with the error code as text. */
export async function send(agent: Agent, base: string, call: Call): Promise<Answer> {
  const t0 = performance.now();
  try {
    const res = await agent.request({
      origin: base,
      path: call.path,
      method: call.method as 'POST',
      headers: call.headers ?? {},
      body: call.body,
      signal: AbortSignal.timeout(call.timeoutMs ?? 15_000),
    });
    const text = await res.body.text();
    return { status: res.statusCode, text, ms: performance.now() - t0 };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { status: 0, text: e.code ?? e.name ?? 'error', ms: performance.now() - t0 };
  }
}

export const json = (body: unknown, headers: Record<string, string> = {}) => ({ headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** Outcome counts per attack: `tally.add('takeover', '409')`. */
export class Tally {
  readonly counts: Record<string, Record<string, number>> = {};
  add(attack: string, outcome: string | number, n = 1): void {
    const a = (this.counts[attack] ??= {});
    a[String(outcome)] = (a[String(outcome)] ?? 0) + n;
  }
  get(attack: string, outcome: string): number {
    return this.counts[attack]?.[outcome] ?? 0;
  }
  /** Keeps the largest value seen under `what`. */
  peak(attack: string, what: string, value: number): void {
    const a = (this.counts[attack] ??= {});
    a[what] = Math.max(a[what] ?? 0, value);
  }
}

const random = (n = 24) => randomBytes(n).toString('base64url');

/** What an attack may change in its hello (signed over the changed fields unless `sig` is given). */
export type HelloOver = Partial<Hello> & { signWith?: NodeKey };

/** A peer that greets the victim with the real key proof, from its own source address. */
export class Stranger {
  readonly key: NodeKey;
  tokenOut?: string;

  constructor(
    private readonly agent: Agent,
    /** The victim's peer URL. */
    readonly target: string,
    readonly name: string,
    readonly url: string,
    readonly groups?: string,
    key?: NodeKey,
  ) {
    this.key = key ?? generateNodeKey();
  }

  /** challenge + hello; the status of the last step (the challenge's when it failed). */
  async hello(over: HelloOver = {}, authorization?: string): Promise<Answer> {
    const ch = await send(this.agent, this.target, { method: 'POST', path: '/v1/challenge', ...json({ nonce: random() }) });
    if (ch.status !== 200) return ch;
    const challenge = (JSON.parse(ch.text) as { challenge: string }).challenge;
    const { signWith, sig, ...fields } = over;
    const signed = {
      name: this.name,
      url: this.url,
      token: random(),
      ...(this.groups ? { groups: this.groups } : {}),
      key: this.key.key,
      challenge,
      time: Date.now(),
      to: this.target,
      nonce: random(),
      ...fields,
    };
    const hello = { ...signed, version: 1, sig: sig ?? signHello(signWith ?? this.key, signed) };
    const res = await send(this.agent, this.target, { method: 'POST', path: '/v1/hello', ...json(hello, authorization ? { authorization } : {}) });
    if (res.status === 200) this.tokenOut = (JSON.parse(res.text) as { token: string }).token;
    return res;
  }

  ihave(ids: string[]): Promise<Answer> {
    return send(this.agent, this.target, { method: 'POST', path: '/v1/ihave', ...json({ ids }, this.bearer()) });
  }

  takethis(articles: unknown[]): Promise<Answer> {
    return send(this.agent, this.target, { method: 'POST', path: '/v1/takethis', ...json({ articles }, this.bearer()) });
  }

  private bearer(): Record<string, string> {
    return this.tokenOut ? { authorization: `Bearer ${this.tokenOut}` } : {};
  }
}

/** A valid article (for copies: change what the attack needs). */
export function article(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    newsgroups: ['bench.security'],
    from: 'mallory@example',
    subject: 'a copy from a stranger',
    date: new Date().toISOString(),
    references: [],
    path: ['mallory'],
    body: 'not the honest text\n',
    ...over,
  };
}

/** Sleeps `ms` (bench code: the attacker is a plain process, not a node). */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `step` every `everyMs` until `until` (epoch ms), at most `max` times; steps do not overlap. */
export async function paced(until: number, everyMs: number, max: number, step: (i: number) => Promise<unknown>): Promise<number> {
  let i = 0;
  for (; i < max && Date.now() < until; i++) {
    const t0 = Date.now();
    await step(i);
    await pause(Math.max(0, everyMs - (Date.now() - t0)));
  }
  return i;
}
