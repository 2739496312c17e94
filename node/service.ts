/**
 * NodeService: the one interface the local JSON API and the web pages call. It reads through
 * the store's indexes (never whole groups, group lists in pages) and writes only through
 * Ingest, and answers with view types (view-types.ts), never store records. Peers, mirrors and
 * reading are feature services (gossip/, mirror/, reading/) reached through the same object:
 * the parts register them before the node starts (FeatureRegistry), so the service is whole
 * from the first request on.
 */
import { randomUUID } from 'node:crypto';
import { newMessageId } from '../protocol/message-id';
import { CANCEL_LOCK_HEADER } from '../protocol/cancel-lock';
import type { Article } from '../protocol/article';
import { GROUPS_PAGE_MAX, type GroupInfo, type NewPost, type Overview, type SignedBy, type Stats } from '../protocol/api';
import { fingerprint } from './identity/fingerprint';
import type { Clock } from './clock';
import { NmError, notFound, validationError } from './errors';
import type { FeatureRegistry, MirrorService, PeerService, ReadingService } from './feature-services';
import { groupsPage, type GroupPageRequest } from './group-pages';
import type { NodeIdentity } from './identity/node-identity';
import type { Ingest } from './ingest/ingest';
import type { Metrics } from './metrics';
import type { Store } from './store/store';
import type { ArticleView, ThreadSummary } from './view-types';
import { goneError, type TakedownService } from './takedown/takedown-service';

export interface NodeServiceComponents {
  store: Store;
  ingest: Ingest;
  clock: Clock;
  metrics: Metrics;
}

export interface ThreadView {
  root: string;
  /** Every article of the thread present here, acceptance order. */
  articles: ArticleView[];
}

export class NodeService {
  constructor(
    private readonly c: NodeServiceComponents,
    readonly identity: NodeIdentity,
    private readonly features: FeatureRegistry,
  ) {}

  get name(): string {
    return this.identity.name;
  }

  /** Peers (the gossip part), or null on a node without it. */
  get peers(): PeerService | null {
    return this.features.get('peers');
  }

  /** Mirror jobs (the mirror part), or null. */
  get mirrors(): MirrorService | null {
    return this.features.get('mirrors');
  }

  /** Removals, cancels and block rules (the takedown part), or null. */
  get takedown(): TakedownService | null {
    return this.features.get('takedown');
  }

  /** Search, what is new, thread overviews, traffic series (the reading part), or null. */
  get reading(): ReadingService | null {
    return this.features.get('reading');
  }

  /** One page of groups in name order (GROUPS_PAGE_MAX without a limit). */
  async listGroups(page: Partial<GroupPageRequest> = {}): Promise<GroupInfo[]> {
    const rows = await groupsPage(this.c.store, { ...page, limit: Math.min(page.limit ?? GROUPS_PAGE_MAX, GROUPS_PAGE_MAX) });
    return rows.map(({ name, count, low, high, lastPostAt }) => ({ name, count, low, high, lastPostAt }));
  }

  async group(name: string): Promise<GroupInfo | undefined> {
    const g = await this.c.store.group(name);
    return g && { name, count: g.count, low: g.low, high: g.high, lastPostAt: g.lastPostAt };
  }

  /** Overview of articles with number > after, ascending. 404 when the group is unknown. */
  async listArticles(group: string, after: number, limit: number): Promise<Overview[]> {
    if (!(await this.c.store.group(group))) throw notFound(`group ${group}`);
    return this.c.store.groupIndex(group, after, limit);
  }

  /** Threads by newest activity; `before` is the lastN of the previous page's last thread. */
  async listThreads(group: string, limit: number, before?: number): Promise<ThreadSummary[]> {
    return this.c.store.threadsByActivity(group, limit, before);
  }

  async getArticle(id: string): Promise<Article> {
    return (await this.getStored(id)).article;
  }

  /** The article with who signed it (`GET /api/articles/ID`). */
  async getArticleWithSigner(id: string): Promise<Article & { signedBy: SignedBy | null }> {
    const article = await this.getArticle(id);
    return { ...article, signedBy: this.signedBy(article) };
  }

  /** Who signed an article, by this node's knowledge (own key, a peer's key, or a stranger's), or null. */
  signedBy(a: Pick<Article, 'signer'>): SignedBy | null {
    if (a.signer === undefined) return null;
    if (a.signer === this.identity.key) return { fingerprint: this.identity.fingerprint, name: this.name, peer: false, self: true };
    const peer = this.peers?.peerWithKey(a.signer) ?? null;
    return { fingerprint: fingerprint(a.signer), ...(peer ? { name: peer.name } : {}), peer: peer !== null, self: false };
  }

  async getStored(id: string): Promise<ArticleView> {
    const s = await this.c.store.getStored(id);
    if (!s) {
      // Gone on purpose (a tombstone): 410 with who removed it, not a plain 404.
      const gone = await this.features.get('takedown')?.gone(id);
      throw gone ? goneError(id, gone) : notFound(`article ${id}`);
    }
    return s;
  }

  /** The whole thread an article belongs to (root resolved from its references). */
  async thread(rootId: string): Promise<ThreadView> {
    const ids = await this.c.store.threadMembers(rootId);
    const stored = await this.c.store.getManyStored(ids);
    return { root: rootId, articles: stored.filter((s): s is ArticleView => s !== undefined) };
  }

  /** Posts a new local article; resolves once it is on disk. With takedown, it carries a Cancel-Lock whose key is answered. */
  async post(input: NewPost): Promise<{ id: string; cancelKey?: string }> {
    const now = this.c.ingest.stamp();
    // 48 random bits from randomUUID, which draws on a cached entropy pool (randomBytes per post cost ~4% CPU).
    const id = newMessageId(this.name, now, randomUUID().slice(0, 13).replace('-', ''));
    const takedown = this.features.get('takedown');
    const headers = takedown ? { ...input.headers, [CANCEL_LOCK_HEADER]: takedown.cancelLock(id) } : input.headers;
    const article: Article = {
      id,
      newsgroups: input.newsgroups,
      from: input.from,
      subject: input.subject,
      date: new Date(now).toISOString(),
      references: input.references ?? [],
      path: [],
      ...(headers ? { headers } : {}),
      body: input.body,
    };
    // Refused here, a bad local post leaves no trace (no history entry for an id nobody saw).
    // Its fields passed NewPostSchema (the API route and the form alike) and the rest is minted
    // here, so only the node's rules are left to check: the article is validated once, not twice.
    const problem = this.c.ingest.checkRules(article);
    if (problem) throw validationError(problem.field, problem.reason);
    const [result] = await this.c.ingest.submitChecked([article], { kind: 'local' }, { freshIds: true, ...(takedown ? { stage: takedown.postedStage() } : {}) });
    if (result.status !== 'accepted') {
      const field = result.reason?.split(':')[0] ?? 'article';
      throw new NmError('NM_ERR_VALIDATION', result.reason ?? `article ${result.status}`, field);
    }
    return { id: article.id, ...(takedown ? { cancelKey: takedown.cancelKey(id) } : {}) };
  }

  async stats(): Promise<Stats> {
    const t = this.c.ingest.totals();
    const m = this.c.metrics;
    return {
      name: this.name,
      articles: t.articles,
      groups: t.groups,
      ihaveReceived: m.ihaveReceived,
      sendmeSent: m.sendmeSent,
      articlesReceived: m.articlesReceived,
      articlesAccepted: m.articlesAccepted,
      articlesDuplicate: m.articlesDuplicate,
      articlesRejected: m.articlesRejected,
      ihaveSent: m.ihaveSent,
      articlesSent: m.articlesSent,
    };
  }
}
