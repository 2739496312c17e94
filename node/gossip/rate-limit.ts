/**
 * Per-peer token buckets on the peer listener: a peer that sends more articles (or requests)
 * per second than allowed gets 429 with Retry-After and is slowed down, never dropped; the
 * bucket refills with time, so the link resumes by itself. Buckets are kept in a bounded LRU
 * and dropped once idle for as long as they take to refill: forgetting a full bucket changes nothing.
 */
import type { LRUCache } from 'lru-cache';
import { LIMITS } from '../../protocol/limits';
import type { Clock } from '../clock';
import { clockedLru } from '../lru';

export interface RateLimitInit {
  /** Sustained articles per second per peer (TAKETHIS bodies). */
  articlesPerSec: number;
  /** Sustained requests per second per peer. */
  requestsPerSec: number;
  /** Seconds of rate a quiet peer may spend in one burst. */
  burstSec: number;
}

interface Bucket {
  articles: number;
  requests: number;
  at: number;
}

/** Buckets kept: authenticated peers only reach the limiter, and --max-peers bounds them. */
const BUCKETS_MAX = 10_000;

export class PeerRateLimit {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly clock: Clock,
    private readonly init: RateLimitInit,
  ) {
    // Idle this long, a bucket has refilled from its deepest debt (one batch): forgetting it is the same.
    const refillSec = init.burstSec + LIMITS.articlesPerBatchMax / init.articlesPerSec + 1 / init.requestsPerSec;
    const ttl = Math.ceil(refillSec * 1000) + 1000;
    this.buckets = clockedLru<string, Bucket>(clock, { max: BUCKETS_MAX, ttl, updateAgeOnGet: true });
  }

  /** Takes `articles` and one request from the peer's bucket; returns ms to wait when empty. */
  take(peer: string, articles: number): number {
    const now = this.clock.monotonic();
    const { articlesPerSec: ar, requestsPerSec: rr, burstSec } = this.init;
    let b = this.buckets.get(peer);
    if (!b) this.buckets.set(peer, (b = { articles: ar * burstSec, requests: rr * burstSec, at: now }));
    const dt = Math.max(0, now - b.at) / 1000;
    b.articles = Math.min(ar * burstSec, b.articles + dt * ar);
    b.requests = Math.min(rr * burstSec, b.requests + dt * rr);
    b.at = now;
    // A batch may take the bucket below zero (a batch is never too big to pass at all);
    // the debt is paid by waiting before the next one, so the average rate holds.
    if (b.requests < 1 || b.articles <= 0) {
      const needA = Math.max(0, -b.articles) / ar;
      const needR = Math.max(0, 1 - b.requests) / rr;
      return Math.max(1000, Math.ceil(Math.max(needA, needR) * 1000));
    }
    b.articles -= articles;
    b.requests -= 1;
    return 0;
  }

  forget(peer: string): void {
    this.buckets.delete(peer);
  }
}
