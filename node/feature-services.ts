/**
 * Interfaces of the feature services that the web pages and the local API call, implemented
 * by gossip/ (peers), mirror/ (mirror jobs) and reading/, and the registry their parts put
 * them in while they are built. node/main.ts seals the registry before the listeners open, so
 * from the first request on every reader sees the same, complete set; web/ depends only on
 * these shapes and the view types (view-types.ts).
 */
import type { AddPeer, MirrorJobInfo, PeerInfo, StartMirror } from '../protocol/api';
import type { SearchHit, SearchIndexStatus, SearchQuery, UnreadGroup, UnreadThread } from '../protocol/reading';
import type { Sample } from './reading/series';
import type { ArticleView, ThreadRow, ThreadSummary } from './view-types';
import type { TakedownService } from './takedown/takedown-service';

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
  /** The peer whose node key this is (what the article page shows of a signer), or null. */
  peerWithKey(key: string): { name: string } | null;
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
  newer?: ThreadSummary;
  older?: ThreadSummary;
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
  threadRows(root: string, expected?: number): Promise<ThreadRow[]>;
  articles(ids: string[]): Promise<(ArticleView | undefined)[]>;
  threadPlace(group: string, thread: ThreadSummary): Promise<ThreadPlace>;
  thread(group: string, root: string): Promise<ThreadSummary | undefined>;
  unread(): Promise<UnreadGroup[]>;
  unreadIn(group: string): Promise<UnreadGroup | undefined>;
  threads(group: string, opts: { limit: number; before?: number; onlyNew: boolean }): Promise<UnreadThread[]>;
  isUnread(group: string, n: number): boolean;
  /** Marks read the articles with these numbers (ArticleView.nums of what was shown). */
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

/** The feature services by the name parts register them under. */
export interface Features {
  peers: PeerService;
  mirrors: MirrorService;
  reading: ReadingService;
  /** Removals, cancels, the owner's posted list and block rules (node/takedown). */
  takedown: TakedownService;
}

/**
 * Where parts register the services they provide, while node/main.ts builds them in the order
 * of node/parts.ts (a part sees the services of the parts built before it). Sealed before the
 * listeners open: a registration after that, or a second one under the same name, throws.
 */
export class FeatureRegistry {
  private readonly provided: Partial<Features> = {};
  private sealed = false;

  provide<K extends keyof Features>(name: K, service: Features[K]): void {
    if (this.sealed) throw new Error(`feature ${name} registered after the node started`);
    if (this.provided[name]) throw new Error(`feature ${name} registered twice`);
    this.provided[name] = service;
  }

  /** The service, or null when no part of this node provides it. */
  get<K extends keyof Features>(name: K): Features[K] | null {
    return this.provided[name] ?? null;
  }

  seal(): void {
    this.sealed = true;
  }
}
