/**
 * Peering by address and key: answering challenges and hellos (key proof first, then who may
 * hold the name: peer-admission.ts), adding a peer by URL (one handshake sets up both
 * directions), approving a pending one, greeting known peers again after a restart, and
 * expiring strangers' records that stay pending or silent. Decisions and writes run one at a
 * time, so two hellos racing for one name cannot both win. Records go to the PeerTable.
 */
import { PROTOCOL_VERSION, type ChallengeReply, type ChallengeRequest, type Hello, type HelloReply } from '../../protocol/peer-messages';
import { parseWildmat, wildmatProblem } from '../../protocol/wildmat';
import type { AddPeer, PeerInfo } from '../../protocol/api';
import type { Clock } from '../clock';
import type { NodeConfig } from '../config';
import { NmError, notFound } from '../errors';
import type { ChallengeBook } from '../identity/challenges';
import { fingerprint } from '../identity/fingerprint';
import { signChallenge, signHelloReply } from '../identity/key-proof';
import type { NodeKey } from '../identity/node-key';
import type { Logger } from '../logger';
import type { AddressPolicy } from '../net/address-policy';
import type { NodeService } from '../service';
import { fetchChallenge, sendHello, type HandshakeComponents } from './handshake';
import { checkHelloProof, type HelloContext } from './hello-check';
import { admitStranger, checkClaim, planAdd } from './peer-admission';
import { normUrl } from './peer-auth';
import type { FeedLink } from './link-kind';
import { isActive, ownerConfirmed, type PeerRecord } from './peer-record';
import { newToken, type PeerTable } from './peer-table';
import type { Transport } from '../net/transport';

export interface PeeringComponents {
  table: PeerTable;
  transport: Transport;
  clock: Clock;
  log: Logger;
  config: NodeConfig;
  service: NodeService;
  nodeKey: NodeKey;
  challenges: ChallengeBook;
  /** Checks URLs named by strangers before this node would dial them. */
  policy: AddressPolicy;
}

export interface PeeringInit {
  helloTimeoutMs: number;
  /** A stranger's record not active after this long is dropped. */
  strangerPendingTtlMs: number;
  /** A stranger's record not heard from for this long is dropped. */
  strangerSilentTtlMs: number;
}

export interface PeeringLinks {
  linkFor(name: string): FeedLink;
  forget(name: string): Promise<void>;
}

/** Parses a wildmat from a request, turning a malformed one into a 400 naming the field. */
function checkedWildmat(text: string, field: string, context?: string): void {
  try {
    parseWildmat(text);
  } catch (err) {
    throw new NmError('NM_ERR_VALIDATION', `${field}${context ? ` (${context})` : ''}: ${(err as Error).message}`, field);
  }
}

/** A stranger's URL is checked unless the owner confirmed the record and it keeps its URL. */
const needsPolicy = (known: PeerRecord | undefined, url: string): boolean => !(known && (ownerConfirmed(known) || normUrl(known.url) === url));

export class Peering {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly hs: HandshakeComponents;

  constructor(
    private readonly c: PeeringComponents,
    private readonly init: PeeringInit,
    private readonly links: PeeringLinks,
  ) {
    this.hs = { transport: c.transport, clock: c.clock, nodeKey: c.nodeKey, timeoutMs: init.helloTimeoutMs };
  }

  private get me(): string {
    return this.c.service.name;
  }

  /** Runs peering decisions and writes one at a time. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  handleChallenge(req: ChallengeRequest | undefined): ChallengeReply {
    const challenge = this.c.challenges.issue();
    const { key } = this.c.nodeKey;
    const reply: ChallengeReply = { challenge, name: this.me, version: PROTOCOL_VERSION, key };
    if (req?.nonce) reply.sig = signChallenge(this.c.nodeKey, { nonce: req.nonce, challenge, name: this.me, key });
    return reply;
  }

  async handleHello(hello: Hello, ctx: HelloContext): Promise<HelloReply> {
    if (hello.version !== PROTOCOL_VERSION) throw new NmError('NM_ERR_VALIDATION', `version: this node speaks protocol version ${PROTOCOL_VERSION}`, 'version');
    if (hello.name === this.me) throw new NmError('NM_ERR_PEER_REFUSED', `name: ${hello.name} is this node's own name`);
    if (hello.groups) checkedWildmat(hello.groups, 'groups');
    checkHelloProof({ clock: this.c.clock, log: this.c.log, challenges: this.c.challenges, ownUrl: () => this.c.service.identity.peerUrl }, hello, ctx);
    const url = normUrl(hello.url);
    // Resolving a stranger's host takes time: done before the lock, and again inside only if
    // the record changed meanwhile.
    let checked = false;
    if (needsPolicy(this.c.table.get(hello.name), url)) {
      await this.checkDialable(url);
      checked = true;
    }
    return this.locked(async () => {
      const known = this.c.table.get(hello.name);
      checkClaim(this.c.table, known, hello.name, hello.key, ctx.authorization);
      // One address, one peer: a greeting that names another node's address would share its
      // record's URL, and with it the lookups by address (its stream, a mirror's token).
      const atUrl = this.c.table.byUrl(url);
      if (atUrl && atUrl.name !== hello.name && atUrl.key !== hello.key) {
        throw new NmError('NM_ERR_PEER_REFUSED', `url: ${url} is the address of the peer ${atUrl.name} here, a node with another key; if that node is gone, its owner can remove it (newsmesh peers remove ${atUrl.name})`, 'url');
      }
      if (!known) admitStranger(this.c.table, this.c.config);
      if (!checked && needsPolicy(known, url)) await this.checkDialable(url);
      const now = this.c.clock.now();
      const tokenOut = hello.token ?? known?.tokenOut;
      const rec: PeerRecord = {
        name: hello.name,
        url,
        ...(known?.groups ? { groups: known.groups } : {}),
        ...(hello.groups ? { remoteGroups: hello.groups } : {}),
        tokenIn: known?.tokenIn ?? newToken(),
        ...(tokenOut ? { tokenOut } : {}),
        localOk: known?.localOk ?? this.c.config.acceptPeers === 'open',
        remoteOk: true,
        addedAt: known?.addedAt ?? now,
        lastSeenAt: now,
        lastError: null,
        key: hello.key,
        ...(known ? (known.byOwner === undefined ? {} : { byOwner: known.byOwner }) : { byOwner: false }),
      };
      await this.c.table.put(rec);
      this.linkUp(rec.name);
      if (!known) this.c.log.info({ peer: rec.name, url, fingerprint: fingerprint(hello.key), state: rec.localOk ? 'up' : 'pending' }, 'greeted by a new peer');
      else if (!known.key) this.c.log.info({ peer: rec.name, fingerprint: fingerprint(hello.key) }, 'bound the key of a peer known from before node keys (it greeted with its token)');
      const state = rec.localOk ? ('up' as const) : ('pending' as const);
      const { key } = this.c.nodeKey;
      const sig = signHelloReply(this.c.nodeKey, { nonce: hello.nonce, challenge: hello.challenge, name: this.me, key, token: rec.tokenIn, state });
      return { name: this.me, version: PROTOCOL_VERSION, token: rec.tokenIn, state, key, sig };
    });
  }

  async add(req: AddPeer): Promise<{ name: string; url: string; state: PeerInfo['state'] }> {
    const url = normUrl(req.url);
    if (req.groups !== undefined) checkedWildmat(req.groups, 'groups');
    if (url === normUrl(this.c.service.identity.peerUrl)) throw new NmError('NM_ERR_VALIDATION', "url: that is this node's own peer URL", 'url');
    // The other node proves its key before it sees our token.
    const ch = await fetchChallenge(this.hs, url);
    if (ch.name === this.me) throw new NmError('NM_ERR_PEER_REFUSED', `${url} is a node with this node's own name (${this.me})`);
    const plan = planAdd(this.c.table, this.c.config, url, ch.name, ch.key);
    // Only the owner's own filter widens; a stranger's record never had one.
    const groups = mergeGroups(plan.prior && ownerConfirmed(plan.prior) ? plan.prior : undefined, req.groups);
    if (groups !== undefined && groups !== req.groups) checkedWildmat(groups, 'groups', 'merged with the filter this link already has');
    // A record from before node keys gets a fresh token: nobody may still use one a stranger could have taken.
    const tokenIn = plan.prior?.key ? plan.prior.tokenIn : newToken();
    const reply = await sendHello(this.hs, this.greeter(), { url, challenge: ch, token: tokenIn, ...(groups ? { groups } : {}), ...(plan.prior?.tokenOut ? { authToken: plan.prior.tokenOut } : {}) });
    return this.locked(async () => {
      // The table may have changed during the hello: decide again, keeping the token we sent.
      const now = planAdd(this.c.table, this.c.config, url, ch.name, ch.key);
      for (const r of now.evict) {
        this.c.log.warn({ peer: r.name, fingerprint: r.key ? fingerprint(r.key) : undefined, reason: now.reasons.get(r.name) }, 'dropping a peer record for the one the owner added');
        await this.links.forget(r.name);
      }
      const prior = now.prior;
      const rec: PeerRecord = {
        name: ch.name,
        url,
        ...(groups ? { groups } : {}),
        ...(prior?.remoteGroups ? { remoteGroups: prior.remoteGroups } : {}),
        // The token we offered in the hello is the one the peer now holds.
        tokenIn,
        tokenOut: reply.token,
        localOk: true,
        remoteOk: reply.state !== 'pending',
        addedAt: prior?.addedAt ?? this.c.clock.now(),
        lastSeenAt: this.c.clock.now(),
        lastError: null,
        key: ch.key,
        byOwner: true,
      };
      await this.c.table.put(rec);
      const link = this.linkUp(rec.name);
      this.c.log.info({ peer: rec.name, url, fingerprint: fingerprint(ch.key), state: isActive(rec) ? 'up' : 'pending' }, 'peered');
      return { name: rec.name, url, state: isActive(rec) ? link.state : 'pending' };
    });
  }

  approve(name: string): Promise<void> {
    return this.locked(async () => {
      const rec = this.c.table.get(name);
      if (!rec) throw notFound(`peer ${name}`);
      if (rec.localOk && ownerConfirmed(rec)) return;
      await this.c.table.put({ ...rec, localOk: true, byOwner: true });
      // The greeting tells the peer it is accepted; the link retries it if the peer is away.
      this.links.linkFor(name).greetSoon();
    });
  }

  /** Greets a known peer with our current URL (after our restart, or to tell it we approved). */
  async greetKnown(name: string): Promise<void> {
    const rec = this.c.table.get(name);
    if (!rec) return;
    const hs = ownerConfirmed(rec) ? this.hs : { ...this.hs, strangerUrl: true };
    const ch = await fetchChallenge(hs, rec.url);
    if (ch.name !== rec.name) throw new NmError('NM_ERR_PEER_REFUSED', `${rec.url} now answers as ${ch.name}, not ${rec.name}`);
    if (rec.key && ch.key !== rec.key) {
      throw new NmError('NM_ERR_PEER_REFUSED', `${rec.url} now proves key ${fingerprint(ch.key)}, not ${rec.name}'s key ${fingerprint(rec.key)}; not greeting it`);
    }
    const reply = await sendHello(hs, this.greeter(), {
      url: rec.url,
      challenge: ch,
      token: rec.tokenIn,
      ...(rec.groups ? { groups: rec.groups } : {}),
      ...(rec.tokenOut ? { authToken: rec.tokenOut } : {}),
    });
    await this.locked(async () => {
      const now = this.c.table.get(name);
      if (!now || (now.key && now.key !== ch.key)) return;
      // A record from before node keys binds the key our own greeting at its URL proved.
      if (!now.key) this.c.log.info({ peer: name, fingerprint: fingerprint(ch.key) }, 'bound the key of a peer known from before node keys (greeted at its URL)');
      await this.c.table.put({ ...now, key: ch.key, tokenOut: reply.token, remoteOk: reply.state !== 'pending', lastSeenAt: this.c.clock.now(), lastError: null });
    });
  }

  /** Drops strangers' records that stayed pending or silent too long (with their per-peer memory). */
  expireStrangers(): Promise<number> {
    return this.locked(async () => {
      const now = this.c.clock.now();
      let dropped = 0;
      for (const rec of this.c.table.all()) {
        if (ownerConfirmed(rec)) continue;
        const pending = !isActive(rec) && now - rec.addedAt > this.init.strangerPendingTtlMs;
        const silent = now - (rec.lastSeenAt ?? rec.addedAt) > this.init.strangerSilentTtlMs;
        if (!pending && !silent) continue;
        this.c.log.info({ peer: rec.name, reason: pending ? 'pending' : 'silent' }, "a stranger's peer record expired");
        await this.links.forget(rec.name);
        dropped++;
      }
      return dropped;
    });
  }

  private greeter() {
    return { name: this.me, url: this.c.service.identity.peerUrl };
  }

  private async checkDialable(url: string): Promise<void> {
    const why = await this.c.policy.refusal(url);
    if (why) throw new NmError('NM_ERR_FORBIDDEN', `url: ${why}`, 'url');
  }

  /** The peer just spoke with us: its link runs and stops backing off. */
  private linkUp(name: string): FeedLink {
    const link = this.links.linkFor(name);
    link.start(false);
    link.peerIsBack();
    return link;
  }
}

/**
 * A second add of a known peer widens its filter (a mirror `follow` adds its group): the
 * patterns are appended, and "no filter" (every group) on either side stays every group.
 * The merged list must still be within the wildmat caps (checked by the caller).
 */
function mergeGroups(known: PeerRecord | undefined, wanted: string | undefined): string | undefined {
  // A stored filter that no longer parses (peer-table.ts) is replaced, not widened.
  if (!known || (known.groups !== undefined && wildmatProblem(known.groups) !== null)) return wanted;
  if (known.groups === undefined || wanted === undefined) return undefined;
  const parts = known.groups.split(',');
  return [...parts, ...wanted.split(',').filter((p) => !parts.includes(p))].join(',');
}
