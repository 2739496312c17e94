/**
 * Ids each peer is known to hold already, because it offered or sent them to us. The router
 * skips those peers, which saves the IHAVE round a peer would only answer "have it". Bounded
 * over all peers and per peer, and expiring (a peer parking offered ids costs bounded memory):
 * forgetting only costs an extra offer, never an article.
 */
import type { Clock } from '../clock';
import { PeerIdMemory, type PeerMemoryInit } from './peer-memory';

/** Ids up to 250 bytes: 100,000 of them are ~40 MB at worst, ~10 MB as ids usually are. */
export const KNOWN_HAVES_DEFAULTS: PeerMemoryInit = { max: 100_000, perPeerMax: 20_000, ttlMs: 30 * 60_000 };

export class KnownHaves {
  private readonly mem: PeerIdMemory<true>;

  constructor(clock: Clock, init: PeerMemoryInit = KNOWN_HAVES_DEFAULTS) {
    this.mem = new PeerIdMemory(clock, init);
  }

  add(peer: string, id: string): void {
    this.mem.set(peer, id, true);
  }

  has(peer: string, id: string): boolean {
    return this.mem.has(peer, id);
  }

  /** Ids held for the peer (the bench and tests read it). */
  count(peer: string): number {
    return this.mem.count(peer);
  }

  get size(): number {
    return this.mem.size;
  }

  forget(peer: string): void {
    this.mem.forget(peer);
  }

  sweep(): void {
    this.mem.sweep();
  }
}
