/**
 * The answering side of flood fill: decides which offered ids to ask for (IHAVE -> sendme /
 * later) and stores pushed bodies (TAKETHIS) through the ingest in one submit per batch.
 * Requested ids are marked in flight (in-flight.ts), so a second offer gets `later` instead
 * of a second body. Refusals are remembered per sender, never per id: one peer's bad copy
 * stops only that peer from being asked again, and a good copy from anyone is taken. A peer
 * of low priority (LinkStats) gets a shorter window, and its offers wait a moment for
 * another peer to offer the same id; a peer the owner confirmed takes a stranger's mark once
 * the stranger had longer than an honest delivery takes. All memory here is bounded, expiring
 * and per peer.
 */
import { LIMITS } from '../../protocol/limits';
import { claimedId } from '../../protocol/article';
import type { ArticleResult, IhaveReply } from '../../protocol/peer-messages';
import type { Clock } from '../clock';
import type { Ingest } from '../ingest/ingest';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import { InFlight } from './in-flight';
import type { KnownHaves } from './known-haves';
import type { LinkStats } from './link-stats';
import { clockedLru } from '../lru';
import { PeerIdMemory } from './peer-memory';
import { ownerConfirmed } from './peer-record';
import type { PeerTable } from './peer-table';

export interface ReceiverComponents {
  store: Store;
  ingest: Ingest;
  clock: Clock;
  metrics: Metrics;
  table: PeerTable;
  haves: KnownHaves;
  stats: (peer: string) => LinkStats;
}

export interface ReceiverInit {
  /** How long a peer asked for a body has to deliver it before another peer may. */
  inFlightTtlMs: number;
  /** How long a low-priority peer's offer of an id waits for another peer to offer it. */
  deferMs?: number;
}

/** Ids accepted lately, answered "have it" without a LevelDB read (most redundant offers). */
const RECENT = { max: 100_000, ttl: 60 * 60_000 };
/** Refused copies per sender: that peer is not asked for that id again for rejectedMemoryMs. */
const REFUSED = { max: 50_000, perPeerMax: 10_000, ttlMs: LIMITS.rejectedMemoryMs };
/** Open marks per peer: a sender has a few IHAVE batches in flight at most. */
const OPEN_MARKS_PER_PEER = 10 * LIMITS.idsPerBatchMax;
/** A low-priority peer's window is this share of the normal one. */
const LOW_WINDOW_SHARE = 0.25;
/**
 * How long a stranger holding a mark keeps it against the owner's own peer: far longer than an
 * honest delivery takes, and shorter than the owner's peer waits to offer again (1 s), so its
 * article is asked for at its second offer.
 */
const OUTRANKED_AFTER_MS = 750;

export class Receiver {
  private readonly recent;
  private readonly inFlight: InFlight;
  private readonly refused: PeerIdMemory<true>;
  /** When a low-priority peer first offered an id (its offers wait deferMs). */
  private readonly deferred: PeerIdMemory<number>;
  private readonly deferMs: number;

  constructor(
    private readonly c: ReceiverComponents,
    private readonly init: ReceiverInit,
  ) {
    this.recent = clockedLru<string, true>(c.clock, { max: RECENT.max, ttl: RECENT.ttl });
    const inFlightInit = { max: 20 * OPEN_MARKS_PER_PEER, perPeerMax: OPEN_MARKS_PER_PEER, keepMs: 3 * init.inFlightTtlMs, outrankedAfterMs: Math.min(OUTRANKED_AFTER_MS, init.inFlightTtlMs / 4) };
    this.inFlight = new InFlight(c.clock, inFlightInit, (peer) =>
      c.stats(peer).missed(c.clock.now()),
    );
    this.refused = new PeerIdMemory(c.clock, REFUSED);
    this.deferMs = init.deferMs ?? Math.min(1_000, init.inFlightTtlMs / 2);
    this.deferred = new PeerIdMemory(c.clock, { max: 50_000, perPeerMax: OPEN_MARKS_PER_PEER, ttlMs: 30 * this.deferMs });
  }

  /** Called after each commit with the ids it accepted. */
  noteAccepted(id: string): void {
    this.recent.set(id, true);
  }

  async ihave(peer: string, offered: string[]): Promise<IhaveReply> {
    this.c.metrics.ihaveReceived += offered.length;
    const stats = this.c.stats(peer);
    stats.offersReceived += offered.length;
    const ids: string[] = [];
    for (const id of new Set(offered)) {
      this.c.haves.add(peer, id);
      if (!this.recent.has(id) && !this.refused.has(peer, id)) ids.push(id);
    }
    const hist = await this.c.store.history(ids);
    // Windows and deferrals are durations: elapsed time, not the wall clock (which may step).
    const now = this.c.clock.monotonic();
    const low = stats.priority(this.c.clock.now()) === 'low';
    const window = low ? this.init.inFlightTtlMs * LOW_WINDOW_SHARE : this.init.inFlightTtlMs;
    // The owner's own peers are not kept waiting behind a stranger's mark (one that may never deliver).
    const mine = this.c.table.get(peer);
    const outranks = mine && ownerConfirmed(mine) ? (holder: string) => !this.isOwners(holder) : undefined;
    const sendme: string[] = [];
    const later: string[] = [];
    ids.forEach((id, i) => {
      // Held, or gone on purpose; an old refusal (history from before per-sender memory) is no reason.
      const h = hist[i];
      if (h && h.s !== 'r') return;
      // Committed while history was being read: its mark has ended, so only this memory knows.
      if (this.recent.has(id)) return;
      if (low && this.deferring(peer, id, now)) later.push(id);
      else if (this.inFlight.claim(id, peer, window, now, outranks) === 'sendme') sendme.push(id);
      else later.push(id);
    });
    this.c.metrics.sendmeSent += sendme.length;
    return { sendme, later };
  }

  async takethis(peer: string, articles: unknown[]): Promise<ArticleResult[]> {
    this.c.metrics.articlesReceived += articles.length;
    const stats = this.c.stats(peer);
    stats.bodiesReceived += articles.length;
    const results: (ArticleResult | null)[] = new Array(articles.length).fill(null);
    const submit: unknown[] = [];
    const where: number[] = [];
    const arrivedAt = this.c.clock.monotonic();
    articles.forEach((a, i) => {
      const groups = (a as { newsgroups?: unknown } | null)?.newsgroups;
      // Only a well-formed list can be filtered here; anything else is the ingest's to reject.
      if (Array.isArray(groups) && groups.every((g) => typeof g === 'string') && !this.c.table.filterAllows(peer, groups)) {
        results[i] = { id: claimedId(a) ?? '', status: 'rejected', reason: 'newsgroups: not in the group filter of this link' };
        this.c.metrics.articlesRejected++;
        return;
      }
      const id = claimedId(a);
      if (id) this.inFlight.arrived(id, peer, arrivedAt);
      submit.push(a);
      where.push(i);
    });
    let committed = false;
    try {
      const out = submit.length > 0 ? await this.c.ingest.submit(submit, { kind: 'peer', peer }) : [];
      out.forEach((r, j) => (results[where[j]] = r));
      committed = true;
    } finally {
      const now = this.c.clock.now();
      articles.forEach((a, i) => {
        const id = claimedId(a);
        if (!id) return;
        this.c.haves.add(peer, id);
        const r = results[i];
        if (!committed || !r) return this.inFlight.release(id, peer);
        if (this.inFlight.settle(id, peer, r.status !== 'rejected')) stats.delivered(now);
        if (r.status === 'rejected') this.refused.set(peer, id, true);
      });
    }
    return results as ArticleResult[];
  }

  /** Drops everything kept about a forgotten peer. */
  forget(peer: string): void {
    this.inFlight.forget(peer);
    this.refused.forget(peer);
    this.deferred.forget(peer);
  }

  /** Frees expired entries and strikes holders of expired marks (the engine's watchdog calls it). */
  sweep(): void {
    this.inFlight.sweep();
    this.refused.sweep();
    this.deferred.sweep();
    this.recent.purgeStale();
  }

  /** Per-peer memory in use, for tests and the peer list. */
  memoryOf(peer: string): { openMarks: number; refused: number; deferred: number } {
    return { openMarks: this.inFlight.openOf(peer), refused: this.refused.count(peer), deferred: this.deferred.count(peer) };
  }

  private isOwners(peer: string): boolean {
    const rec = this.c.table.get(peer);
    return rec !== undefined && ownerConfirmed(rec);
  }

  /** True while a low-priority peer's offer of `id` still waits for another peer to offer it. */
  private deferring(peer: string, id: string, now: number): boolean {
    const first = this.deferred.get(peer, id);
    if (first === undefined) {
      // Past its share of this memory the offer just waits (`later`) until entries expire.
      this.deferred.set(peer, id, now);
      return true;
    }
    if (now - first < this.deferMs) return true;
    this.deferred.delete(peer, id);
    return false;
  }
}
