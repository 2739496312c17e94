/**
 * Challenges this node handed out (POST /v1/challenge) and not yet used: fresh random values,
 * each good for one hello within its time to live. Bounded: past `max` entries the oldest is
 * dropped (its holder asks again), so a flood of challenge requests costs fixed memory.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';

export interface ChallengeBookInit {
  ttlMs: number;
  max: number;
}

export const DEFAULT_CHALLENGES: ChallengeBookInit = { ttlMs: 120_000, max: 4096 };

export class ChallengeBook {
  /** challenge -> expiry; insertion order is age order. */
  private readonly open = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly init: ChallengeBookInit = DEFAULT_CHALLENGES,
  ) {}

  issue(): string {
    const now = this.clock.monotonic();
    this.sweep(now);
    while (this.open.size >= this.init.max) this.open.delete(this.open.keys().next().value as string);
    const c = randomBytes(32).toString('base64url');
    this.open.set(c, now + this.init.ttlMs);
    return c;
  }

  /** True once for a challenge this node issued that has not expired; it is used up either way. */
  take(challenge: string): boolean {
    const expires = this.open.get(challenge);
    if (expires === undefined) return false;
    this.open.delete(challenge);
    return expires > this.clock.monotonic();
  }

  get size(): number {
    return this.open.size;
  }

  private sweep(now: number): void {
    for (const [c, expires] of this.open) {
      if (expires > now) return; // the rest are younger
      this.open.delete(c);
    }
  }
}
