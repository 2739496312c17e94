/**
 * The answering side of flood fill: decides which offered ids to ask for (IHAVE -> sendme /
 * later) and stores pushed bodies (TAKETHIS) through the ingest in one submit per batch.
 * Requested ids are marked in flight until their body is committed, so a second offer of the
 * same id is told `later` instead of sending a second body.
 */
import { LIMITS } from '../../protocol/limits';
import { claimedId } from '../../protocol/article';
import type { ArticleResult, IhaveReply } from '../../protocol/peer-messages';
import type { Clock } from '../clock';
import type { Ingest } from '../ingest/ingest';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';
import type { InFlight } from './in-flight';
import type { KnownHaves } from './known-haves';
import type { LinkStats } from './link-stats';
import type { PeerTable } from './peer-table';

export interface ReceiverComponents {
  store: Store;
  ingest: Ingest;
  clock: Clock;
  metrics: Metrics;
  table: PeerTable;
  inFlight: InFlight;
  haves: KnownHaves;
  stats: (peer: string) => LinkStats;
}

/** Ids accepted lately, answered "have it" without a LevelDB read (most redundant offers). */
const RECENT_MAX = 100_000;

export class Receiver {
  private readonly recent = new Set<string>();

  constructor(private readonly c: ReceiverComponents) {}

  /** Called after each commit with the ids it accepted. */
  noteAccepted(id: string): void {
    this.recent.add(id);
    if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.values().next().value as string);
  }

  async ihave(peer: string, offered: string[]): Promise<IhaveReply> {
    this.c.metrics.ihaveReceived += offered.length;
    this.c.stats(peer).offersReceived += offered.length;
    const ids: string[] = [];
    for (const id of new Set(offered)) {
      this.c.haves.add(peer, id);
      if (!this.recent.has(id)) ids.push(id);
    }
    const hist = await this.c.store.history(ids);
    const now = this.c.clock.now();
    const sendme: string[] = [];
    const later: string[] = [];
    ids.forEach((id, i) => {
      const h = hist[i];
      if (h?.s === 'a') return;
      if (h?.s === 'r' && now - h.at < LIMITS.rejectedMemoryMs) return;
      if (this.c.inFlight.busy(id, peer, now)) later.push(id);
      else {
        this.c.inFlight.mark(id, peer, now);
        sendme.push(id);
      }
    });
    this.c.metrics.sendmeSent += sendme.length;
    return { sendme, later };
  }

  async takethis(peer: string, articles: unknown[]): Promise<ArticleResult[]> {
    this.c.metrics.articlesReceived += articles.length;
    this.c.stats(peer).bodiesReceived += articles.length;
    const results: (ArticleResult | null)[] = new Array(articles.length).fill(null);
    const submit: unknown[] = [];
    const where: number[] = [];
    articles.forEach((a, i) => {
      const groups = (a as { newsgroups?: unknown } | null)?.newsgroups;
      // Only a well-formed list can be filtered here; anything else is the ingest's to reject.
      if (Array.isArray(groups) && groups.every((g) => typeof g === 'string') && !this.c.table.filterAllows(peer, groups)) {
        results[i] = { id: claimedId(a) ?? '', status: 'rejected', reason: 'newsgroups: not in the group filter of this link' };
        this.c.metrics.articlesRejected++;
        return;
      }
      submit.push(a);
      where.push(i);
    });
    try {
      const out = submit.length > 0 ? await this.c.ingest.submit(submit, { kind: 'peer', peer }) : [];
      out.forEach((r, j) => (results[where[j]] = r));
    } finally {
      for (const a of articles) {
        const id = claimedId(a);
        if (id) {
          this.c.inFlight.clear(id);
          this.c.haves.add(peer, id);
        }
      }
    }
    return results as ArticleResult[];
  }
}
