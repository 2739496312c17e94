/**
 * What the pages and the local API see of the node's records: the shapes NodeService and the
 * feature services answer with. Store records (node/store/records.ts) stay inside node/; they
 * fit these shapes, so answering with them costs no copy, and a field added to a record
 * reaches web/ only once it is added here.
 */
import type { Article } from '../protocol/article';
import type { ThreadInfo } from '../protocol/api';

/** An article held here, with what this node assigned to it. */
export interface ArticleView {
  article: Article;
  /** When this node accepted it (ms). */
  at: number;
  /** Its number per group on this node. */
  nums: Record<string, number>;
  /** Node-wide acceptance order. */
  seq: number;
}

/** One thread of a group (the JSON of GET /api/groups/GROUP/threads). */
export type ThreadSummary = ThreadInfo;

/** One article of a thread without its body: what outlines and thread pages are drawn from. */
export interface ThreadRow {
  id: string;
  seq: number;
  subject: string;
  from: string;
  date: string;
  /** The last few references, oldest first. */
  refs: string[];
  /** Body length in UTF-16 units (pages of a thread are cut by size). */
  bytes: number;
  nums: Record<string, number>;
}
