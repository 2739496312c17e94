/**
 * The gossip engine: builds and holds the parts of gossip (the peer table, the links in
 * link-registry.ts, the receiver, the router in feed-router.ts that the feed hook asks inside
 * each commit, the watchdog in link-watchdog.ts; the queues themselves are node/feed's) and
 * is the PeerService of the local API (add / list / remove / approve; peering itself is in
 * peering.ts). Start-up counts the queues (ids only, never articles), greets every known peer
 * with our current URL, and peers with each `--peer` URL, retrying in the background until it answers.
 */
import type { ChallengeReply, ChallengeRequest, Hello, HelloReply } from '../../protocol/peer-messages';
import type { AddPeer, PeerInfo } from '../../protocol/api';
import type { PeerService } from '../feature-services';
import { NmError, notFound } from '../errors';
import { ChallengeBook } from '../identity/challenges';
import { fingerprint } from '../identity/fingerprint';
import { AddressLimiter, DEFAULT_HELLO_LIMIT, type AddressLimitInit } from '../net/address-limiter';
import type { CommitHook } from '../ingest/commit-hook';
import type { NodeComponents } from '../part';
import { feedHook } from '../feed/feed-hook';
import { FeedQueues } from '../feed/feed-queues';
import { Backoff } from '../backoff';
import { BodyCache } from './body-cache';
import { GossipRouter } from './feed-router';
import { KnownHaves } from './known-haves';
import type { LinkStats } from './link-stats';
import { LinkRegistry } from './link-registry';
import { runWatchdog } from './link-watchdog';
import { bearerToken, normUrl } from './peer-auth';
import type { LinkInit } from './peer-link';
import type { FeedLink, LinkKind } from './link-kind';
import { isActive } from './peer-record';
import { PeerTable } from './peer-table';
import type { HelloContext } from './hello-check';
import { Peering, type PeeringInit } from './peering';
import { PeerRateLimit, type RateLimitInit } from './rate-limit';
import { Receiver } from './receiver';

export interface GossipInit extends LinkInit, RateLimitInit, PeeringInit {
  /** Challenges and hellos per client address (the handshake routes need no token). */
  helloLimit: AddressLimitInit;
  inFlightTtlMs: number;
  /** How often the watchdog looks for stalled links. */
  watchdogMs: number;
  /** Bytes of serialised recent articles kept for sending (0 = always read the store). */
  bodyCacheBytes: number;
  /** Most entries per peer queue (default: the node's --max-queue). */
  maxQueue?: number;
}

export const DEFAULT_GOSSIP_INIT: GossipInit = {
  idsPerIhave: 1000,
  takethisBytes: 1024 * 1024,
  maxInFlight: 4,
  requestTimeoutMs: 15_000,
  backoffBaseMs: 500,
  backoffCapMs: 180_000,
  laterDelayMs: 1_000,
  laterMaxMs: 8_000,
  stallMs: 30_000,
  tailMax: 20_000,
  helloTimeoutMs: 10_000,
  helloLimit: DEFAULT_HELLO_LIMIT,
  strangerPendingTtlMs: 3 * 24 * 3_600_000,
  strangerSilentTtlMs: 7 * 24 * 3_600_000,
  inFlightTtlMs: 10_000,
  watchdogMs: 5_000,
  bodyCacheBytes: 16 * 1024 * 1024,
  articlesPerSec: 200_000,
  requestsPerSec: 5_000,
  burstSec: 2,
};

/** The node's shared transport and address policy come with the components (node/main.ts makes them). */
export type GossipComponents = NodeComponents;

export class GossipEngine implements PeerService {
  readonly table: PeerTable;
  readonly receiver: Receiver;
  readonly limiter: PeerRateLimit;
  /** Per client address, for /v1/challenge and /v1/hello. */
  readonly helloLimiter: AddressLimiter;
  /** One link per peer, and their life cycle. */
  private readonly links: LinkRegistry;
  private readonly router: GossipRouter;
  private readonly haves: KnownHaves;
  private readonly bodies: BodyCache;
  /** The outbound queues (node/feed): rows, reads, deletes, the --max-queue cap. */
  readonly queues: FeedQueues;
  private readonly stopping = new AbortController();
  private readonly background: Promise<unknown>[] = [];
  private readonly log;
  private readonly peering: Peering;

  constructor(
    private readonly c: GossipComponents,
    private readonly init: GossipInit,
  ) {
    this.log = c.logger.child({ component: 'gossip' });
    this.table = new PeerTable(c.store, this.log);
    this.haves = new KnownHaves(c.clock);
    this.bodies = new BodyCache(init.bodyCacheBytes);
    this.queues = new FeedQueues(c.store, (ops) => c.ingest.write(ops), init.maxQueue ?? c.config.maxQueue);
    this.limiter = new PeerRateLimit(c.clock, init);
    this.helloLimiter = new AddressLimiter(c.clock, init.helloLimit);
    this.links = new LinkRegistry(
      { c, log: this.log, table: this.table, haves: this.haves, bodies: this.bodies, queues: this.queues, receiver: () => this.receiver, limiter: this.limiter, greet: (name) => this.peering.greetKnown(name) },
      init,
    );
    this.peering = new Peering(
      { ...c, table: this.table, log: this.log, challenges: new ChallengeBook(c.clock) },
      init,
      { linkFor: (name) => this.linkFor(name), forget: (name) => this.forget(name) },
    );
    this.receiver = new Receiver({ ...c, table: this.table, haves: this.haves, stats: (p) => this.statsOf(p) }, { inFlightTtlMs: init.inFlightTtlMs });
    this.router = new GossipRouter({ table: this.table, haves: this.haves, bodies: this.bodies, receiver: this.receiver, links: this.links });
  }

  // ---- life cycle ----------------------------------------------------------------

  /** Loads peers (before the listeners open, so hellos find them). */
  async load(): Promise<void> {
    await this.table.load();
  }

  async start(): Promise<void> {
    // Queue sizes by keys only (never articles); rows of forgotten peers are dropped.
    const counts = await this.queues.counts((peer) => this.table.get(peer) !== undefined);
    this.links.startAll(counts);
    for (const url of this.c.config.peer) this.background.push(this.peerAtStart(normUrl(url)));
    const watchdog = { clock: this.c.clock, log: this.log, table: this.table, links: this.links, peering: this.peering, sweepMemory: () => this.sweepMemory(), stopping: this.stopping.signal };
    this.background.push(runWatchdog(watchdog, this.init.watchdogMs));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.links.stopAll();
    await Promise.allSettled(this.background);
    await this.queues.flushed();
    await this.table.flush().catch(() => undefined);
  }

  private async peerAtStart(url: string): Promise<void> {
    if (this.table.byUrl(url)) return; // a known peer is greeted by its link
    const backoff = new Backoff({ baseMs: this.init.backoffBaseMs, capMs: Math.min(this.init.backoffCapMs, 60_000) });
    while (!this.stopping.signal.aborted) {
      try {
        await this.add({ url });
        return;
      } catch (err) {
        const wait = backoff.next();
        this.log.warn({ url, reason: (err as Error).message, retryInMs: wait }, '--peer: cannot peer yet');
        // Refusals (by the peer, or by who holds the name here) need a person, not a retry.
        if (['NM_ERR_PEER_REFUSED', 'NM_ERR_PEER_EXISTS', 'NM_ERR_PEER_LIMIT'].includes((err as NmError).code)) return;
        await this.c.clock.sleep(wait, this.stopping.signal);
      }
    }
  }

  // ---- routing (feed-router.ts: the feed hook asks inside each commit, then reports what it queued) ----

  /** The commit hook that puts accepted articles into the queues this engine routes them to. */
  feedHook(): CommitHook {
    return feedHook(this.queues, this.router);
  }

  // ---- peering (hello, add, approve: peering.ts) ------------------------------------

  handleChallenge(req: ChallengeRequest | undefined): ChallengeReply {
    return this.peering.handleChallenge(req);
  }

  handleHello(hello: Hello, ctx: HelloContext): Promise<HelloReply> {
    return this.peering.handleHello(hello, ctx);
  }

  add(req: AddPeer): Promise<{ name: string; url: string; state: PeerInfo['state'] }> {
    const kind = this.kindFor(req.url);
    if (kind) return kind.add(req);
    if (req.name !== undefined) return Promise.reject(new NmError('NM_ERR_VALIDATION', 'name: only an nntp:// peer is given a name (a node names itself)', 'name'));
    return this.peering.add(req);
  }

  /** Registers another kind of link (by URL scheme). */
  addLinkKind(kind: LinkKind): void {
    this.links.addLinkKind(kind);
  }

  private kindFor(url: string): LinkKind | undefined {
    return this.links.kindFor(url);
  }

  async list(): Promise<PeerInfo[]> {
    const out: PeerInfo[] = [];
    for (const rec of this.table.all().sort((a, b) => a.name.localeCompare(b.name))) {
      const link = this.links.get(rec.name);
      const s = this.statsOf(rec.name);
      out.push({
        name: rec.name,
        url: rec.url,
        state: isActive(rec) ? (link?.state ?? 'down') : 'pending',
        backlog: Math.max(0, link?.backlog ?? 0),
        dropped: link?.queue.dropped ?? 0,
        lastSeenAt: rec.lastSeenAt === null ? null : new Date(rec.lastSeenAt).toISOString(),
        lastError: rec.lastError,
        groups: rec.groups ?? '*',
        offered: s.offered,
        sent: s.sent,
        accepted: s.accepted,
        duplicate: s.duplicate,
        rejected: s.rejected,
        duplicateRatio: s.duplicateRatio(),
        lagMs: link ? await link.lagMs() : 0,
        offersReceived: s.offersReceived,
        bodiesReceived: s.bodiesReceived,
        restarts: s.restarts,
        unfulfilled: s.unfulfilled,
        priority: s.priority(this.c.clock.now()),
        waitingForApproval: !rec.localOk,
        ...(rec.key ? { key: rec.key, fingerprint: fingerprint(rec.key) } : {}),
      });
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    if (!this.table.get(name)) throw notFound(`peer ${name}`);
    await this.forget(name);
    this.log.info({ peer: name }, 'peer removed');
  }

  approve(name: string): Promise<void> {
    return this.peering.approve(name);
  }

  /** A peer's token check for the protocol routes: its name, or why not. */
  authenticate(authorization: string | undefined): { peer: string } | { error: NmError } {
    const token = bearerToken(authorization);
    const name = token ? this.table.nameForToken(token) : undefined;
    const rec = name ? this.table.get(name) : undefined;
    if (!rec) return { error: new NmError('NM_ERR_UNAUTHORIZED', 'missing or unknown bearer token: greet with POST /v1/hello first') };
    if (!isActive(rec)) return { error: new NmError('NM_ERR_FORBIDDEN', 'this peering is waiting for approval') };
    // Heard from: keeps a peer that only pushes to us from expiring as silent.
    this.table.touch(rec.name, { lastSeenAt: this.c.clock.now() });
    return { peer: rec.name };
  }

  peerForAuthorization(authorization: string | undefined): string | null {
    const who = this.authenticate(authorization);
    return 'peer' in who ? who.peer : null;
  }

  /** The token a peer gave this node (a two-way stream's bind is checked against it). */
  tokenOutOf(name: string): string | undefined {
    return this.table.get(name)?.tokenOut;
  }

  /** The URL this node calls a peer at (a two-way stream is filed under it). */
  urlOf(name: string): string | undefined {
    return this.table.get(name)?.url;
  }

  peerAtUrl(url: string): { name: string; token?: string } | null {
    const rec = this.table.byUrl(url);
    return rec ? { name: rec.name, ...(rec.tokenOut ? { token: rec.tokenOut } : {}) } : null;
  }

  peerWithKey(key: string): { name: string } | null {
    const rec = this.table.byKey(key);
    return rec ? { name: rec.name } : null;
  }

  /** What this node keeps in memory about a peer (bounded; tests and diagnostics read it). */
  memoryOf(name: string): { openMarks: number; refused: number; deferred: number; knownHaves: number } {
    return { ...this.receiver.memoryOf(name), knownHaves: this.haves.count(name) };
  }

  /** Drops expired per-peer memory and strikes peers whose in-flight marks expired (the watchdog calls it). */
  sweepMemory(): void {
    this.receiver.sweep();
    this.haves.sweep();
  }

  // ---- the links (link-registry.ts) ----------------------------------------------------

  /** A peer's link figures (kept for the process lifetime). */
  statsOf(name: string): LinkStats {
    return this.links.statsOf(name);
  }

  /** The link of a peer, made (not started) on first use. */
  linkFor(name: string): FeedLink {
    return this.links.linkFor(name);
  }

  /** Drops a peer: its link, record and queue. */
  forget(name: string): Promise<void> {
    return this.links.forget(name);
  }
}
