/**
 * Per-address rate limit for the unauthenticated handshake routes (challenge, hello): a token
 * bucket per client address (IPv6 by /64, what one subscriber holds), and a back-off for an
 * address that keeps asking while refused: each refused request doubles its wait, up to a cap.
 * Bounded: the least recently seen addresses are forgotten past `maxAddresses`.
 */
import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import { backoffDelay, EXACT } from '../backoff';
import type { Clock } from '../clock';

export interface AddressLimitInit {
  /** Requests an address may make at once. */
  burst: number;
  /** Sustained requests per minute per address. */
  perMinute: number;
  /** Shortest wait once the bucket is empty; the wait doubles with each refused request. */
  penaltyBaseMs: number;
  penaltyCapMs: number;
  maxAddresses: number;
}

export const DEFAULT_HELLO_LIMIT: AddressLimitInit = { burst: 60, perMinute: 30, penaltyBaseMs: 1_000, penaltyCapMs: 600_000, maxAddresses: 10_000 };

interface Entry {
  tokens: number;
  at: number;
  strikes: number;
  until: number;
}

/** The part of an address that one client controls: IPv4 whole, IPv6 its /64. */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIP(ip) !== 6) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class AddressLimiter {
  /** Least recently seen addresses are forgotten first. */
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    private readonly clock: Clock,
    private readonly init: AddressLimitInit = DEFAULT_HELLO_LIMIT,
  ) {
    this.entries = new LRUCache<string, Entry>({ max: init.maxAddresses });
  }

  /** Takes one request of `ip`; 0 = go ahead, else ms to wait (Retry-After). */
  take(ip: string): number {
    const now = this.clock.monotonic();
    const k = clientKey(ip);
    let e = this.entries.get(k);
    if (!e) {
      e = { tokens: this.init.burst, at: now, strikes: 0, until: 0 };
      this.entries.set(k, e);
    }
    if (now < e.until) return this.refuse(e, now);
    e.tokens = Math.min(this.init.burst, e.tokens + ((now - e.at) / 60_000) * this.init.perMinute);
    e.at = now;
    if (e.tokens >= 1) {
      e.tokens -= 1;
      if (e.strikes > 0) e.strikes--;
      return 0;
    }
    return this.refuse(e, now);
  }

  private refuse(e: Entry, now: number): number {
    e.strikes++;
    // The first refusal waits for the next token; each further one doubles the wait.
    const refill = Math.ceil(((1 - Math.min(e.tokens, 0.999)) * 60_000) / this.init.perMinute);
    const wait = backoffDelay(e.strikes - 1, { baseMs: Math.max(refill, this.init.penaltyBaseMs), capMs: this.init.penaltyCapMs, jitter: EXACT });
    e.until = Math.max(e.until, now + wait);
    return e.until - now;
  }
}
