/**
 * Challenges this node handed out (POST /v1/challenge) and not yet used: fresh random values,
 * each good for one hello within its time to live. Bounded: past `max` entries the oldest is
 * dropped (its holder asks again), so a flood of challenge requests costs fixed memory.
 */
import { randomBytes } from 'node:crypto';
import type { LRUCache } from 'lru-cache';
import type { Clock } from '../clock';
import { clockedLru } from '../lru';

export interface ChallengeBookInit {
  ttlMs: number;
  max: number;
}

export const DEFAULT_CHALLENGES: ChallengeBookInit = { ttlMs: 120_000, max: 4096 };

export class ChallengeBook {
  /** Issued challenges, expiring after ttlMs on the node's clock; past `max` the oldest go. */
  private readonly open: LRUCache<string, true>;

  constructor(clock: Clock, init: ChallengeBookInit = DEFAULT_CHALLENGES) {
    this.open = clockedLru<string, true>(clock, { max: init.max, ttl: init.ttlMs });
  }

  issue(): string {
    const c = randomBytes(32).toString('base64url');
    this.open.set(c, true);
    return c;
  }

  /** True once for a challenge this node issued that has not expired; it is used up either way. */
  take(challenge: string): boolean {
    const live = this.open.get(challenge) === true;
    this.open.delete(challenge);
    return live;
  }

  get size(): number {
    this.open.purgeStale();
    return this.open.size;
  }
}
