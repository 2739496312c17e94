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

export interface HistoryRecord {
  s: 'a' | 'r';
  at: number;
  reason?: string;
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
