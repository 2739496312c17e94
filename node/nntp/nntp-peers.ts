/**
 * NNTP peers in gossip's peer table (the nntp:// link kind): adding one probes the server
 * (it must greet with 200/201), names it (`--name`, else the first word of its greeting, which
 * is the Path name INN writes) and starts its feed link. Incoming connections are matched to
 * NNTP peers by address (the peer's host, resolved, cached for a few minutes), which is how
 * INN knows its peers too.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { LRUCache } from 'lru-cache';
import type { AddPeer, PeerInfo } from '../../protocol/api';
import { nodeNameProblem } from '../../protocol/node-name';
import { parseWildmat } from '../../protocol/wildmat';
import type { Clock } from '../clock';
import { NmError } from '../errors';
import { clockedLru } from '../lru';
import type { GossipEngine } from '../gossip/gossip-engine';
import type { FeedLink, LinkKind } from '../gossip/link-kind';
import type { LinkComponents } from '../gossip/peer-link';
import { newToken } from '../gossip/peer-table';
import type { Logger } from '../logger';
import { NntpClient } from './client';
import { NntpFeedLink, type NntpFeedInit } from './feed-link';
import { isNntpUrl, normNntpUrl, parseNntpUrl, type NntpPeerRecord } from './nntp-peer-url';
import type { ReadModel } from './read-model';
import { plainAddress } from './server';

const RESOLVE_TTL_MS = 5 * 60_000;
/** Hosts remembered (a node has at most --max-peers NNTP peers). */
const RESOLVED_MAX = 256;

export interface NntpPeersComponents {
  engine: GossipEngine;
  read: ReadModel;
  clock: Clock;
  log: Logger;
  /** This node's name (a peer may not have it). */
  name: string;
}

export class NntpPeers implements LinkKind {
  /** Host -> its addresses, for RESOLVE_TTL_MS; hosts of removed peers age out. */
  private readonly resolved: LRUCache<string, string[]>;

  constructor(
    private readonly c: NntpPeersComponents,
    private readonly feed: NntpFeedInit,
    private readonly probeTimeoutMs = 10_000,
  ) {
    this.resolved = clockedLru<string, string[]>(c.clock, { max: RESOLVED_MAX, ttl: RESOLVE_TTL_MS });
  }

  handles(url: string): boolean {
    return isNntpUrl(url);
  }

  makeLink(components: LinkComponents, name: string): FeedLink {
    return new NntpFeedLink({ ...components, read: this.c.read }, this.feed, name);
  }

  async add(req: AddPeer): Promise<{ name: string; url: string; state: PeerInfo['state'] }> {
    let url: string;
    try {
      url = normNntpUrl(req.url);
    } catch (err) {
      throw new NmError('NM_ERR_VALIDATION', `url: ${(err as Error).message}`, 'url');
    }
    if (req.groups !== undefined) {
      try {
        parseWildmat(req.groups);
      } catch (err) {
        throw new NmError('NM_ERR_VALIDATION', `groups: ${(err as Error).message}`, 'groups');
      }
    }
    if (req.name !== undefined && nodeNameProblem(req.name)) throw new NmError('NM_ERR_VALIDATION', `name: ${nodeNameProblem(req.name)}`, 'name');
    const greeting = await this.probe(url, req.sourceAddress);
    const name = req.name ?? nameFromGreeting(greeting) ?? parseNntpUrl(url).host;
    if (name === this.c.name) throw new NmError('NM_ERR_PEER_REFUSED', `${url} names itself ${name}, which is this node's own name; give it another with --name`);
    const table = this.c.engine.table;
    const same = table.get(name);
    if (same && !isNntpUrl(same.url)) throw new NmError('NM_ERR_PEER_EXISTS', `a newsmesh peer named ${name} is already known; give the NNTP peer another name with --name`);
    const previous = table.all().find((r) => r.url === url && r.name !== name);
    if (previous) await this.c.engine.forget(previous.name);
    const now = this.c.clock.now();
    const rec: NntpPeerRecord = {
      name,
      url,
      ...(req.groups ? { groups: req.groups } : {}),
      ...(req.sourceAddress ? { sourceAddress: req.sourceAddress } : {}),
      tokenIn: same?.tokenIn ?? newToken(),
      localOk: true,
      remoteOk: true,
      addedAt: same?.addedAt ?? now,
      lastSeenAt: now,
      lastError: null,
    };
    await table.put(rec);
    this.resolved.delete(parseNntpUrl(url).host);
    const link = this.c.engine.linkFor(name);
    link.start(false);
    link.peerIsBack();
    this.c.log.info({ peer: name, url }, 'nntp peer added');
    return { name, url, state: link.state };
  }

  /** Names of the NNTP peers whose host is this address. */
  async peersAt(address: string): Promise<string[]> {
    const out: string[] = [];
    for (const rec of this.c.engine.table.all()) {
      if (!isNntpUrl(rec.url)) continue;
      const { host } = parseNntpUrl(rec.url);
      if ((await this.addresses(host)).includes(address)) out.push(rec.name);
    }
    return out;
  }

  private async addresses(host: string): Promise<string[]> {
    if (isIP(host)) return [host];
    const hit = this.resolved.get(host);
    if (hit) return hit;
    const addresses = await lookup(host, { all: true }).then(
      (r) => r.map((a) => plainAddress(a.address)),
      () => [] as string[],
    );
    this.resolved.set(host, addresses);
    return addresses;
  }

  private async probe(url: string, sourceAddress: string | undefined): Promise<string> {
    const { host, port } = parseNntpUrl(url);
    let client: NntpClient;
    try {
      client = await NntpClient.connect({ host, port, localAddress: sourceAddress, timeoutMs: this.probeTimeoutMs, clock: this.c.clock });
    } catch (err) {
      throw new NmError('NM_ERR_PEER_UNREACHABLE', `cannot reach the NNTP server at ${url}: ${(err as Error).message}`);
    }
    try {
      const g = client.greeting;
      if (g.code !== 200 && g.code !== 201) throw new NmError('NM_ERR_PEER_REFUSED', `the NNTP server at ${url} answered ${g.code} ${g.text}`.slice(0, 300));
      return g.text;
    } finally {
      await client.quit();
    }
  }
}

/** INN and newsmesh greet with their Path name first: `200 news.example.com InterNetNews ...`. */
function nameFromGreeting(text: string): string | undefined {
  const first = text.split(/\s+/, 1)[0] ?? '';
  return first && nodeNameProblem(first) === null && /[.A-Za-z]/.test(first) ? first : undefined;
}
