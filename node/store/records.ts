/**
 * Shapes of the values kept in the store's sublevels. These are internal to node/ (the wire
 * shapes live in protocol/), written as zod-free interfaces because the store only reads back
 * what it wrote itself.
 */
import type { Article } from '../../protocol/article';

/** An accepted article plus what this node assigned to it. */
export interface StoredArticle {
  article: Article;
  /** When this node accepted it (ms). */
  at: number;
  /** Article number per group on this node. */
  nums: Record<string, number>;
  /** Node-wide acceptance sequence number. */
  seq: number;
}

export interface GroupMeta {
  count: number;
  low: number;
  high: number;
  lastPostAt: string | null;
}

/** Overview kept in the group index, so listings never read bodies. */
export interface OverviewRecord {
  id: string;
  subject: string;
  from: string;
  date: string;
  references: string[];
  /** NNTP overview: octets of the article as ARTICLE sends it (without Xref) and body lines. */
  bytes?: number;
  lines?: number;
  /** When this node accepted it (ms): NEWNEWS and NEWGROUPS. */
  at?: number;
  /** A crosspost's numbers in every group here (Xref); absent when it is in one group. */
  xref?: Record<string, number>;
}

export interface ThreadMeta {
  root: string;
  subject: string;
  from: string;
  date: string;
  /** Articles of the thread in this group, the root included when present. */
  articles: number;
  /** Whether the root itself is here (replies can arrive before, or without, it). */
  hasRoot?: boolean;
  /** Group number of the newest article: the activity-order key. */
  lastN: number;
  lastDate: string;
}

/**
 * `a` accepted (the article is here), `r` a refusal older versions wrote, `g` gone: a tombstone
 * of an article removed on purpose (node/takedown), so it is never fetched or taken again.
 */
export interface HistoryRecord {
  s: 'a' | 'r' | 'g';
  at: number;
  reason?: string;
  /** Tombstones: who removed it. Owner tombstones never expire (they have no time-index entry). */
  by?: RemovalBy;
}

export type RemovalBy = 'owner' | 'cancel' | 'expiry';

/** A row of the removals log (node/takedown): owner removals and honoured cancels. */
export interface RemovalRecord {
  id: string;
  reason: string;
  at: number;
  by: RemovalBy;
  /** The groups it was in (the group page notes removals there). */
  groups: string[];
  subject?: string;
}

/** One row of a peer's outbound queue (node/feed/feed-queues.ts). */
export interface QueueRow {
  id: string;
  at: number;
}

export interface Counters {
  articles: number;
  groups: number;
  seq: number;
  /** The latest stamp (`at`) a commit gave: stamps never go back, even when the wall clock does. */
  at?: number;
}

export interface Identity {
  name: string;
  createdAt: number;
}
