/**
 * The links of the gossip engine and their life cycle: one FeedLink per peer, made (not
 * started) on first use (a PeerLink, or the link of the LinkKind that claims the peer's URL
 * scheme), started at start-up with the queue counts read from disk, stopped with the engine,
 * and forgotten with everything this node keeps about the peer (record, memory, figures,
 * queue). Each peer's link figures (LinkStats) live here too, for the process lifetime.
 */
import type { Logger } from '../logger';
import type { FeedQueues } from '../feed/feed-queues';
import type { BodyCache } from './body-cache';
import type { GossipComponents } from './gossip-engine';
import type { KnownHaves } from './known-haves';
import type { FeedLink, LinkKind } from './link-kind';
import { LinkStats } from './link-stats';
import { PeerLink, type LinkComponents, type LinkInit } from './peer-link';
import type { PeerTable } from './peer-table';
import type { PeerRateLimit } from './rate-limit';
import type { Receiver } from './receiver';

export interface LinkRegistryComponents {
  c: GossipComponents;
  log: Logger;
  table: PeerTable;
  haves: KnownHaves;
  bodies: BodyCache;
  queues: FeedQueues;
  receiver: () => Receiver;
  limiter: PeerRateLimit;
  /** Greets a known peer (peering.ts); resolves once its answer is stored. */
  greet: (name: string) => Promise<void>;
}

export class LinkRegistry {
  private readonly links = new Map<string, FeedLink>();
  /** Other feed protocols (NNTP) sharing the table, queues and routing; see link-kind.ts. */
  private readonly kinds: LinkKind[] = [];
  private readonly stats = new Map<string, LinkStats>();

  constructor(
    private readonly r: LinkRegistryComponents,
    private readonly init: LinkInit,
  ) {}

  /** The link of a peer if it has one. */
  get(name: string): FeedLink | undefined {
    return this.links.get(name);
  }

  all(): IterableIterator<FeedLink> {
    return this.links.values();
  }

  /** Starts a link per known peer, its backlog counted from disk (ids only, never articles). */
  startAll(counts: ReadonlyMap<string, number>): void {
    for (const rec of this.r.table.all()) {
      const link = this.linkFor(rec.name);
      link.queue.backlog = counts.get(rec.name) ?? 0;
      link.start(rec.localOk);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.stop()));
  }

  /** Registers another kind of link (by URL scheme). */
  addLinkKind(kind: LinkKind): void {
    this.kinds.push(kind);
  }

  kindFor(url: string): LinkKind | undefined {
    return this.kinds.find((k) => k.handles(url));
  }

  /** A peer's link figures (kept for the process lifetime). */
  statsOf(name: string): LinkStats {
    let s = this.stats.get(name);
    if (!s) this.stats.set(name, (s = new LinkStats()));
    return s;
  }

  /** The link of a peer, made (not started) on first use. */
  linkFor(name: string): FeedLink {
    let link = this.links.get(name);
    if (link) return link;
    const components: LinkComponents = {
      store: this.r.c.store,
      transport: this.r.c.transport,
      clock: this.r.c.clock,
      logger: this.r.log.child({ peer: name }),
      metrics: this.r.c.metrics,
      stats: this.statsOf(name),
      bodies: this.r.bodies,
      queues: this.r.queues,
      record: () => this.r.table.get(name),
      greet: () => this.r.greet(name),
      touch: (patch) => this.r.table.touch(name, patch),
    };
    const kind = this.kindFor(this.r.table.get(name)?.url ?? '');
    link = kind ? kind.makeLink(components, name) : new PeerLink(components, this.init, name);
    this.links.set(name, link);
    return link;
  }

  /** Drops a peer: its link, record and queue. */
  async forget(name: string): Promise<void> {
    const link = this.links.get(name);
    this.links.delete(name);
    await this.r.table.remove(name);
    await link?.stop();
    this.r.haves.forget(name);
    this.r.receiver().forget(name);
    this.r.limiter.forget(name);
    this.stats.delete(name);
    // A commit that routed to this peer before the removal may still be landing.
    await this.r.c.ingest.flushed();
    await this.r.queues.clear(name);
  }
}
