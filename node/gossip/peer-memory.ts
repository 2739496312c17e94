/**
 * Bounded, expiring memory of (peer, id) facts: which ids a peer holds, which of its copies
 * were refused, when it first offered an id. One LRU over all peers (least recently used
 * dropped first, entries expire after a TTL on the node's clock), a cap per peer so one peer
 * parking ids cannot push out what is known of the others, and a peer's entries dropped when
 * it is forgotten. Forgetting an entry only ever costs a redundant offer or fetch.
 */
import type { LRUCache } from 'lru-cache';
import type { Clock } from '../clock';
import { clockedLru } from '../lru';

export interface PeerMemoryInit {
  /** Entries over all peers. */
  max: number;
  /** Entries of one peer; past it, new facts about that peer are not kept. */
  perPeerMax: number;
  ttlMs: number;
}

const SEP = '\n'; // in neither a node name nor a message id

export class PeerIdMemory<V extends {}> {
  private readonly lru: LRUCache<string, V>;
  private readonly counts = new Map<string, number>();

  constructor(
    clock: Clock,
    private readonly init: PeerMemoryInit,
  ) {
    this.lru = clockedLru<string, V>(clock, {
      max: init.max,
      ttl: init.ttlMs,
      onInsert: (_v, key, reason) => {
        if (reason === 'add') this.bump(peerOf(key), 1);
      },
      dispose: (_v, key, reason) => {
        if (reason !== 'set') this.bump(peerOf(key), -1);
      },
    });
  }

  /** Remembers `value` for (peer, id); false when the peer already has its share. */
  set(peer: string, id: string, value: V): boolean {
    const k = peer + SEP + id;
    if ((this.counts.get(peer) ?? 0) >= this.init.perPeerMax && this.lru.peek(k, { allowStale: true }) === undefined) return false;
    this.lru.set(k, value);
    return true;
  }

  get(peer: string, id: string): V | undefined {
    return this.lru.get(peer + SEP + id);
  }

  has(peer: string, id: string): boolean {
    return this.lru.has(peer + SEP + id);
  }

  delete(peer: string, id: string): void {
    this.lru.delete(peer + SEP + id);
  }

  /** Entries held for the peer (expired ones count until swept). */
  count(peer: string): number {
    return this.counts.get(peer) ?? 0;
  }

  get size(): number {
    return this.lru.size;
  }

  forget(peer: string): void {
    if (!this.counts.has(peer)) return;
    this.lru.purgeStale();
    const prefix = peer + SEP;
    for (const k of [...this.lru.keys()]) if (k.startsWith(prefix)) this.lru.delete(k);
    this.counts.delete(peer);
  }

  /** Drops expired entries (they are skipped anyway; this frees their room). */
  sweep(): void {
    this.lru.purgeStale();
  }

  private bump(peer: string, by: number): void {
    const n = (this.counts.get(peer) ?? 0) + by;
    if (n > 0) this.counts.set(peer, n);
    else this.counts.delete(peer);
  }
}

const peerOf = (key: string): string => key.slice(0, key.indexOf(SEP));
