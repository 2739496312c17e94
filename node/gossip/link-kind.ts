/**
 * The seam that lets other feed protocols share gossip's peer table, persistent per-peer
 * queues, routing, backoff and counters: a FeedLink is what the engine drives for one peer
 * (PeerLink is the HTTP one), and a LinkKind claims peer URLs of its scheme (nntp://), adds
 * such peers and builds their links from the same components a PeerLink gets.
 */
import type { AddPeer, PeerInfo } from '../../protocol/api';
import type { LinkComponents } from './peer-link';
import type { OutboundQueue, QueueEntry } from '../feed/outbound-queue';

/** What the engine and peering call on the sending side of one peer. */
export interface FeedLink {
  readonly queue: OutboundQueue;
  readonly backlog: number;
  readonly state: 'up' | 'down';
  appended(entries: QueueEntry[]): void;
  start(greetFirst: boolean): void;
  stop(): Promise<void>;
  peerIsBack(): void;
  greetSoon(): void;
  lagMs(): Promise<number>;
  checkStall(): Promise<boolean>;
}

export interface LinkKind {
  /** True for the peer URLs this kind serves (by scheme). */
  handles(url: string): boolean;
  /** Adds (or updates) a peer of this kind; resolves once it is in the table and its link runs. */
  add(req: AddPeer): Promise<{ name: string; url: string; state: PeerInfo['state'] }>;
  makeLink(components: LinkComponents, name: string): FeedLink;
}
