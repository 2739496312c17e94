/**
 * What the node tells its owner at start about its peer port: who can reach it and what they
 * may do there (peer, read archives), and whether the peer URL it gives other nodes can work.
 * A wildcard bind (0.0.0.0, ::) names no address another node can use; without --public-url
 * the owner is told so, with this machine's addresses as candidates. Pure: the addresses are
 * passed in.
 */
import type { AcceptPeers, HostPort, PublicRead } from './config';
import { isLoopback } from './config';

export interface ExposureInput {
  listen: HostPort;
  /** The bound peer URL (port 0 resolved). */
  boundUrl: string;
  publicUrl?: string;
  acceptPeers: AcceptPeers;
  publicRead: PublicRead;
  /** Non-internal addresses of this machine's interfaces. */
  addresses: string[];
}

export interface Exposure {
  /** True when the peer port is reachable from other machines and open to anyone for something. */
  open: boolean;
  /** The start log line about the peer port. */
  summary: string;
  /** Set when the peer URL others are given is the wildcard address (log and status page). */
  peerUrlWarning?: string;
}

const WILDCARD = /^(0\.0\.0\.0|::|\[::\])$/;

export const isWildcard = (host: string) => WILDCARD.test(host);

const PEERING: Record<AcceptPeers, string> = {
  open: 'any node may peer with it (--accept-peers open)',
  approve: 'nodes may ask to peer and you approve them (--accept-peers approve)',
  closed: 'no new node may peer with it (--accept-peers closed)',
};
const READING: Record<PublicRead, string> = {
  on: 'anyone may read every group archive (--public-read on)',
  peers: 'only peers may read group archives (--public-read peers)',
  off: 'group archives are not served (--public-read off)',
};

export function describeExposure(x: ExposureInput): Exposure {
  const host = x.listen.host;
  const local = isLoopback(host);
  const where = local ? `only this machine can reach the peer port ${x.boundUrl}` : isWildcard(host) ? `the peer port ${x.boundUrl} is open on every network this machine is on` : `the peer port ${x.boundUrl} is open to the network of ${host}`;
  const open = !local && (x.acceptPeers === 'open' || x.publicRead === 'on');
  const summary = `${where}: ${PEERING[x.acceptPeers]}; ${READING[x.publicRead]}`;
  if (x.publicUrl || !isWildcard(host)) return { open, summary };
  const port = new URL(x.boundUrl).port;
  const candidates = x.addresses.map((a) => `http://${a.includes(':') ? `[${a}]` : a}:${port}`);
  const peerUrlWarning = `the peer URL ${x.boundUrl} is the wildcard address, which other nodes cannot use: start with --public-url set to the address they reach this node at${candidates.length > 0 ? ` (this machine has ${candidates.slice(0, 4).join(', ')})` : ''}`;
  return { open, summary, peerUrlWarning };
}
