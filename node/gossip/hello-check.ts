/**
 * The answering node's check of a hello's key proof, before anything is looked up or written:
 * the challenge is one this node issued and is used up now (one try each), `to` names this
 * node, the caller's clock is within a generous window (peers with wrong clocks must still
 * peer: a warning past 5 minutes, a refusal past 24 h), and the signature verifies.
 */
import { LIMITS } from '../../protocol/limits';
import type { Hello } from '../../protocol/peer-messages';
import type { Clock } from '../clock';
import { NmError } from '../errors';
import type { ChallengeBook } from '../identity/challenges';
import { fingerprint } from '../identity/fingerprint';
import { helloSigValid } from '../identity/key-proof';
import type { Logger } from '../logger';

/** Where a hello arrived: from the HTTP request. */
export interface HelloContext {
  authorization?: string;
  /** The Host header the request arrived with. */
  host?: string;
  /** `http` or `https`, as the listener saw it. */
  protocol?: string;
}

export interface HelloCheckComponents {
  clock: Clock;
  log: Logger;
  challenges: ChallengeBook;
  /** This node's public peer URL. */
  ownUrl: () => string;
}

const WARN_SKEW_MS = 5 * 60_000;

const keyProof = (message: string) => new NmError('NM_ERR_KEY_PROOF', message);

/** `host:port` with the scheme's default port filled in, or null. */
function endpoint(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.hostname.toLowerCase()}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return null;
  }
}

/** Throws NM_ERR_KEY_PROOF naming the first rule the hello breaks. */
export function checkHelloProof(c: HelloCheckComponents, hello: Hello, ctx: HelloContext): void {
  if (!c.challenges.take(hello.challenge)) throw keyProof('challenge: not one this node issued, already used or expired; ask POST /v1/challenge for a fresh one');
  const now = c.clock.now();
  const skew = hello.time - now;
  if (Math.abs(skew) > LIMITS.helloClockSkewMs) {
    throw keyProof(`time: ${new Date(hello.time).toISOString()} is more than ${LIMITS.helloClockSkewMs / 3_600_000} h from this node's clock (${new Date(now).toISOString()})`);
  }
  const to = endpoint(hello.to);
  const arrived = ctx.host ? endpoint(`${ctx.protocol ?? 'http'}://${ctx.host}`) : null;
  if (!to || (to !== endpoint(c.ownUrl()) && to !== arrived)) {
    throw keyProof(`to: ${hello.to} is not this node (it answers as ${c.ownUrl()}${ctx.host ? ` and was reached as ${ctx.host}` : ''})`);
  }
  const { sig, version: _v, ...fields } = hello;
  if (!helloSigValid(fields, sig)) throw keyProof(`sig: not a valid signature of this hello by key ${fingerprint(hello.key)}`);
  if (Math.abs(skew) > WARN_SKEW_MS) c.log.warn({ peer: hello.name, skewMs: skew }, "a peer's clock is off by more than 5 minutes");
}
