/**
 * Who may change things through the web listener. On loopback (the default) the owner is
 * whoever can reach the port. A non-loopback --web must come with --web-password, and with a
 * password every request but reading (GET/HEAD) needs it, pages and JSON API alike: HTTP
 * Basic with any user name (what browsers prompt for), or `Authorization: Bearer PASSWORD`.
 * Wrong passwords are limited per client address: after a few, each further one doubles the
 * wait before the next is even looked at (429 with Retry-After); the right one resets it.
 * Basic credentials are parsed by `basic-auth` (jshttp, what express uses); the Bearer form is
 * one prefix test, and the flow around it (writes only, either scheme, back-off per address) is
 * ours, which @fastify/basic-auth (Basic only, every route it guards) does not fit.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import basicAuth from 'basic-auth';
import { LRUCache } from 'lru-cache';
import { backoffDelay, EXACT } from '../node/backoff';
import type { Clock } from '../node/clock';
import type { BaseApp } from '../node/http/base-app';
import { clientKey } from '../node/http/client-address';
import { NmError } from '../node/errors';

/** The check itself lives with the config: it runs before the store opens. */
export { checkWebAccess } from '../node/config';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

const BEARER = /^bearer +/i;

/** The password a request carries, if any: HTTP Basic (any user name) or `Bearer PASSWORD`. */
export function presentedPassword(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  if (BEARER.test(authorization)) return authorization.replace(BEARER, '').trim();
  return basicAuth.parse(authorization)?.pass;
}

export interface PasswordTryLimits {
  /** Wrong passwords an address may send before it has to wait (typos). */
  freeFailures: number;
  /** The first wait; each further failure doubles it... */
  firstWaitMs: number;
  /** ...up to this. */
  maxWaitMs: number;
  /** An address with no failure for this long starts afresh. */
  forgetAfterMs: number;
  /** Addresses remembered at most (least recently failed dropped first). */
  maxAddresses: number;
}

export const DEFAULT_PASSWORD_TRY_LIMITS: PasswordTryLimits = {
  freeFailures: 3,
  firstWaitMs: 1000,
  maxWaitMs: 15 * 60_000,
  forgetAfterMs: 24 * 3600_000,
  maxAddresses: 10_000,
};

interface Failures {
  count: number;
  lastAt: number;
  /** No try is looked at before this time. */
  until: number;
}

/** Failed password tries per client address, with exponential back-off. */
export class PasswordTries {
  private readonly byAddress: LRUCache<string, Failures>;

  constructor(
    private readonly clock: Clock,
    private readonly limits: PasswordTryLimits = DEFAULT_PASSWORD_TRY_LIMITS,
  ) {
    this.byAddress = new LRUCache({ max: limits.maxAddresses });
  }

  /** How long this address must still wait before its next try is looked at (0: now). */
  waitMs(address: string): number {
    const f = this.byAddress.get(address);
    if (!f) return 0;
    const now = this.clock.now();
    if (now - f.lastAt >= this.limits.forgetAfterMs) {
      this.byAddress.delete(address);
      return 0;
    }
    return Math.max(0, f.until - now);
  }

  failed(address: string): void {
    const now = this.clock.now();
    const count = (this.byAddress.get(address)?.count ?? 0) + 1;
    const over = count - this.limits.freeFailures;
    const wait = over > 0 ? backoffDelay(over - 1, { baseMs: this.limits.firstWaitMs, capMs: this.limits.maxWaitMs, jitter: EXACT }) : 0;
    this.byAddress.set(address, { count, lastAt: now, until: now + wait });
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }
}

const tooManyTries = (waitMs: number) =>
  new NmError('NM_ERR_RATE_LIMIT', `too many wrong web passwords from this address; retry in ${Math.ceil(waitMs / 1000)} s`);

/** Adds the root-level hook; root hooks reach every route of the web listener. */
export function requirePasswordForWrites(app: BaseApp, password: string, tries: PasswordTries): void {
  const expected = digest(password);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const given = presentedPassword(request.headers.authorization);
    // A request without a password is the browser's first try, before it prompts: not a guess.
    if (given !== undefined) {
      const address = clientKey(request.socket.remoteAddress);
      const wait = tries.waitMs(address);
      if (wait > 0) {
        reply.header('retry-after', String(Math.ceil(wait / 1000)));
        throw tooManyTries(wait);
      }
      // Comparing digests keeps the comparison constant-time whatever the lengths.
      if (timingSafeEqual(digest(given), expected)) {
        tries.succeeded(address);
        return;
      }
      tries.failed(address);
    }
    reply.header('www-authenticate', 'Basic realm="newsmesh", charset="UTF-8"');
    throw new NmError('NM_ERR_UNAUTHORIZED', 'this node needs its web password for changes (HTTP Basic, any user name)');
  });
}
