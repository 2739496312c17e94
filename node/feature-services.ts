/**
 * Interfaces of the feature services that the web pages and the local API call, implemented
 * by gossip/ (peers) and mirror/ (mirror jobs). NodeService holds them once their parts are
 * built, so web/ depends only on these shapes.
 */
import type { AddPeer, MirrorJobInfo, PeerInfo, StartMirror } from '../protocol/api';
import type { SearchHit, SearchIndexStatus, SearchQuery, UnreadGroup, UnreadThread } from '../protocol/reading';
import type { OverviewRow } from './reading/thread-overview';
import type { Sample } from './reading/series';
import type { StoredArticle, ThreadMeta } from './store/records';

export interface PeerService {
  list(): Promise<PeerInfo[]>;
  /** Handshakes with the node at `url` and keeps it; resolves once the link is set up. */
  add(req: AddPeer): Promise<{ name: string; url: string; state: PeerInfo['state'] }>;
  remove(name: string): Promise<void>;
  /** Accepts a pending request (under --accept-peers approve). */
  approve(name: string): Promise<void>;
  /** The active peer whose bearer token this Authorization header carries, or null. */
  peerForAuthorization(authorization: string | undefined): string | null;
  /** The known peer at this URL (trailing slashes ignored) and the token to call it with. */
  peerAtUrl(url: string): { name: string; token?: string } | null;
}

export interface MirrorService {
  /** Checks the peer first; `started` is false when the job was already running. */
  start(req: StartMirror): Promise<{ id: string; started: boolean }>;
  list(): Promise<MirrorJobInfo[]>;
  get(id: string): Promise<MirrorJobInfo | undefined>;
  /** Stops the job if it runs and removes it; answers it as it ended (`cancelled` if it ran). */
  cancel(id: string): Promise<MirrorJobInfo>;
}

/** Where a thread sits among its group's threads (activity order, newest first). */
export interface ThreadPlace {
  newer?: ThreadMeta;
  older?: ThreadMeta;
  /** The `before` cursor of the group page that starts with it, or null when no thread is newer. */
  before: number | null;
}

export interface NodeHealth {
  version: string;
  startedAt: number;
  uptimeMs: number;
  /** Bytes of the data dir's files, or null when they could not be read. */
  diskBytes: number | null;
  samples: readonly Sample[];
  search: SearchIndexStatus;
}

/**
 * Reading (node/reading): full-text search, thread overviews, what is new for the owner, and
 * the traffic series of the status page.
 */
export interface ReadingService {
  search(q: SearchQuery): Promise<{ hits: SearchHit[]; more: boolean; terms: string[] }>;
  /** The terms of a query as the index matches them (for marking them in text). */
  searchTerms(q: string): string[];
  /** True when `word` is one of `terms` as the index sees words. */
  matchesTerm(word: string, terms: string[]): boolean;
  searchStatus(): Promise<SearchIndexStatus>;
  /** Every article of a thread without bodies, acceptance order; `expected` is the thread record's count. */
  threadRows(root: string, expected?: number): Promise<OverviewRow[]>;
  articles(ids: string[]): Promise<(StoredArticle | undefined)[]>;
  threadPlace(group: string, thread: ThreadMeta): Promise<ThreadPlace>;
  thread(group: string, root: string): Promise<ThreadMeta | undefined>;
  unread(): Promise<UnreadGroup[]>;
  unreadIn(group: string): Promise<UnreadGroup | undefined>;
  threads(group: string, opts: { limit: number; before?: number; onlyNew: boolean }): Promise<UnreadThread[]>;
  isUnread(group: string, n: number): boolean;
  /** Marks read the articles with these numbers (StoredArticle.nums of what was shown). */
  markRead(nums: Record<string, number>[]): Promise<void>;
  markAllRead(group: string, upTo?: number): Promise<void>;
  /** The first unread article, in `group` or in any group. */
  nextUnread(group?: string): Promise<{ id: string; group: string; n: number } | undefined>;
  /** Changes whenever read marks change (page caches key on it). */
  readVersion(): number;
  health(): Promise<NodeHealth>;
  /** Takes articles out of the search index and the thread cache (call before they leave the store). */
  removed(ids: string[]): Promise<void>;
}
