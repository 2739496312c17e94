/**
 * Peering by address: answering hellos (accept modes open / approve / closed, a known peer
 * proving itself with its token when its URL changed), adding a peer by URL (one hello sets
 * up both directions), approving a pending one, and greeting known peers again after a
 * restart. Records go to the PeerTable; each peer's link is started and told it is reachable.
 */
import { PROTOCOL_VERSION, type Hello, type HelloReply } from '../../protocol/peer-messages';
import { parseWildmat } from '../../protocol/wildmat';
import type { AddPeer, PeerInfo } from '../../protocol/api';
import type { Clock } from '../clock';
import type { NodeConfig } from '../config';
import { NmError, notFound } from '../errors';
import type { Logger } from '../logger';
import type { NodeService } from '../service';
import { sayHello } from './handshake';
import { bearerToken, normUrl } from './peer-auth';
import type { FeedLink } from './link-kind';
import { isActive, type PeerRecord } from './peer-record';
import { newToken, type PeerTable } from './peer-table';
import type { Transport } from './transport';

export interface PeeringComponents {
  table: PeerTable;
  transport: Transport;
  clock: Clock;
  log: Logger;
  config: NodeConfig;
  service: NodeService;
  helloTimeoutMs: number;
}

export interface PeeringLinks {
  linkFor(name: string): FeedLink;
  forget(name: string): Promise<void>;
}

/** Parses a wildmat from a request, turning a malformed one into a 400 naming the field. */
function checkedWildmat(text: string, field: string): void {
  try {
    parseWildmat(text);
  } catch (err) {
    throw new NmError('NM_ERR_VALIDATION', `${field}: ${(err as Error).message}`, field);
  }
}

export class Peering {
  constructor(
    private readonly c: PeeringComponents,
    private readonly links: PeeringLinks,
  ) {}

  private get me(): string {
    return this.c.service.name;
  }

  async handleHello(hello: Hello, authorization: string | undefined): Promise<HelloReply> {
    if (hello.version !== PROTOCOL_VERSION) throw new NmError('NM_ERR_VALIDATION', `version: this node speaks protocol version ${PROTOCOL_VERSION}`, 'version');
    if (hello.name === this.me) throw new NmError('NM_ERR_PEER_REFUSED', `name: ${hello.name} is this node's own name`);
    if (hello.groups) checkedWildmat(hello.groups, 'groups');
    const url = normUrl(hello.url);
    const known = this.c.table.get(hello.name);
    const authorized = known !== undefined && bearerToken(authorization) === known.tokenIn;
    // Someone else claiming a known name would take over its link: only its token may move it.
    if (known && !authorized && normUrl(known.url) !== url) {
      throw new NmError('NM_ERR_PEER_EXISTS', `a peer named ${hello.name} is already known at another address; greet with its token`);
    }
    const mode = this.c.config.acceptPeers;
    if (!known && mode === 'closed') throw new NmError('NM_ERR_FORBIDDEN', 'this node does not accept new peers');
    const now = this.c.clock.now();
    const tokenOut = hello.token ?? known?.tokenOut;
    const rec: PeerRecord = {
      name: hello.name,
      url,
      ...(known?.groups ? { groups: known.groups } : {}),
      ...(hello.groups ? { remoteGroups: hello.groups } : {}),
      tokenIn: known?.tokenIn ?? newToken(),
      ...(tokenOut ? { tokenOut } : {}),
      localOk: known?.localOk ?? mode === 'open',
      remoteOk: true,
      addedAt: known?.addedAt ?? now,
      lastSeenAt: now,
      lastError: null,
    };
    await this.c.table.put(rec);
    this.linkUp(rec.name);
    if (!known) this.c.log.info({ peer: rec.name, url, state: rec.localOk ? 'up' : 'pending' }, 'greeted by a new peer');
    return { name: this.me, version: PROTOCOL_VERSION, token: rec.tokenIn, state: rec.localOk ? 'up' : 'pending' };
  }

  async add(req: AddPeer): Promise<{ name: string; url: string; state: PeerInfo['state'] }> {
    const url = normUrl(req.url);
    if (req.groups !== undefined) checkedWildmat(req.groups, 'groups');
    if (url === normUrl(this.c.service.identity.peerUrl)) throw new NmError('NM_ERR_VALIDATION', "url: that is this node's own peer URL", 'url');
    const known = this.c.table.byUrl(url);
    const groups = mergeGroups(known, req.groups);
    const tokenIn = known?.tokenIn ?? newToken();
    const reply = await this.greetUrl(url, tokenIn, groups, known?.tokenOut);
    if (reply.name === this.me) throw new NmError('NM_ERR_PEER_REFUSED', `${url} is a node with this node's own name (${this.me})`);
    const prior = this.c.table.get(reply.name) ?? known;
    const now = this.c.clock.now();
    const rec: PeerRecord = {
      name: reply.name,
      url,
      ...(groups ? { groups } : {}),
      ...(prior?.remoteGroups ? { remoteGroups: prior.remoteGroups } : {}),
      // The token we offered in the hello is the one the peer now holds.
      tokenIn,
      tokenOut: reply.token,
      localOk: true,
      remoteOk: reply.state !== 'pending',
      addedAt: prior?.addedAt ?? now,
      lastSeenAt: now,
      lastError: null,
    };
    if (known && known.name !== reply.name) await this.links.forget(known.name);
    await this.c.table.put(rec);
    const link = this.linkUp(rec.name);
    this.c.log.info({ peer: rec.name, url, state: isActive(rec) ? 'up' : 'pending' }, 'peered');
    return { name: rec.name, url, state: isActive(rec) ? link.state : 'pending' };
  }

  async approve(name: string): Promise<void> {
    const rec = this.c.table.get(name);
    if (!rec) throw notFound(`peer ${name}`);
    if (rec.localOk) return;
    await this.c.table.put({ ...rec, localOk: true });
    // The greeting tells the peer it is accepted; the link retries it if the peer is away.
    this.links.linkFor(name).greetSoon();
  }

  /** Greets a known peer with our current URL (after our restart, or to tell it we approved). */
  async greetKnown(name: string): Promise<void> {
    const rec = this.c.table.get(name);
    if (!rec) return;
    const reply = await this.greetUrl(rec.url, rec.tokenIn, rec.groups, rec.tokenOut);
    const now = this.c.table.get(name);
    if (!now) return;
    await this.c.table.put({ ...now, tokenOut: reply.token, remoteOk: reply.state !== 'pending', lastSeenAt: this.c.clock.now(), lastError: null });
  }

  private greetUrl(url: string, tokenIn: string, groups: string | undefined, tokenOut?: string): Promise<HelloReply> {
    const hello: Hello = { name: this.me, url: this.c.service.identity.peerUrl, version: PROTOCOL_VERSION, token: tokenIn, ...(groups ? { groups } : {}) };
    return sayHello(this.c.transport, { url, hello, token: tokenOut, timeoutMs: this.c.helloTimeoutMs });
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
 */
function mergeGroups(known: PeerRecord | undefined, wanted: string | undefined): string | undefined {
  if (!known) return wanted;
  if (known.groups === undefined || wanted === undefined) return undefined;
  const parts = known.groups.split(',');
  return [...parts, ...wanted.split(',').filter((p) => !parts.includes(p))].join(',');
}
