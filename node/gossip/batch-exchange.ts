/**
 * One batch on the wire of a gossip link: offers its ids (IHAVE, skipped in no-check mode),
 * pushes the wanted bodies in TAKETHIS chunks (the chunks of one batch together), counts the
 * peer's results, and answers which queue entries are done and which the peer wants later.
 * A peer's answer other than 200 is a PeerAnswerError (429 and 503 with the wait to keep).
 * What follows (the queue, the back-off, up or down) is the link's (peer-link.ts).
 */
import { IhaveReplySchema, TakethisReplySchema, type ArticleResult } from '../../protocol/peer-messages';
import type { Backoff } from '../backoff';
import type { QueueEntry } from '../feed/outbound-queue';
import { parseJson, REPLY_CAPS } from '../net/transport';
import type { NoCheckMode } from './no-check-mode';
import type { LinkComponents, LinkInit } from './peer-link';
import { ownerConfirmed, type PeerRecord } from './peer-record';
import { takethisBodies } from './takethis-frames';

export class PeerAnswerError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface BatchResult {
  /** Queue keys finished with (sent, or not wanted). */
  done: string[];
  /** Entries the peer wants offered again later. */
  laterOnes: QueueEntry[];
  /** TAKETHIS bytes and articles that went out (the send window's measure of the link). */
  sentBytes: number;
  sentCount: number;
}

export class BatchExchange {
  constructor(
    private readonly c: LinkComponents,
    private readonly init: LinkInit,
    private readonly noCheck: NoCheckMode,
    /** The link's back-off: a 503 waits as long as a failure would. */
    private readonly backoff: Backoff,
  ) {}

  /** Offers and pushes one batch; throws when the peer cannot be reached or refuses. */
  async run(batch: QueueEntry[], rec: PeerRecord, signal: AbortSignal, chunkBytes: number = this.init.takethisBytes): Promise<BatchResult> {
    const ids = batch.map((e) => e.id);
    // In no-check mode the peer has been wanting (nearly) everything: skip the offer.
    const noCheck = this.noCheck.active;
    const reply = noCheck ? { sendme: ids, later: [] } : IhaveReplySchema.parse(await this.post(rec, '/v1/ihave', JSON.stringify({ ids }), signal, REPLY_CAPS.ihave));
    if (!noCheck) {
      this.c.metrics.ihaveSent += ids.length;
      this.c.stats.offered += ids.length;
      this.noCheck.offered(ids.length, reply.sendme.length);
    }
    const wanted = new Set(reply.sendme);
    const later = new Set(reply.later);
    const done: string[] = [];
    const laterOnes: QueueEntry[] = [];
    const sendKeys = new Map<string, string>();
    let sentBytes = 0;
    let sentCount = 0;
    for (const e of batch) {
      if (wanted.has(e.id)) sendKeys.set(e.id, e.key);
      else if (later.has(e.id)) laterOnes.push(e);
      else done.push(e.key);
    }
    if (sendKeys.size > 0) {
      const bodies = await this.c.bodies.serialised([...sendKeys.keys()], this.c.store);
      // The chunks of one batch go out together: the peer commits them as they come.
      await Promise.all(
        takethisBodies(bodies, chunkBytes).map(async ({ body, count }) => {
          const res = TakethisReplySchema.parse(await this.post(rec, '/v1/takethis', body, signal, REPLY_CAPS.takethis));
          sentBytes += body.length;
          sentCount += count;
          this.c.metrics.articlesSent += count;
          this.c.stats.sent += count;
          this.countResults(res.results);
          if (noCheck) this.noCheck.pushed(count, res.results.filter((r) => r.status === 'accepted').length);
        }),
      );
      done.push(...sendKeys.values());
    }
    return { done, laterOnes, sentBytes, sentCount };
  }

  private countResults(results: ArticleResult[]): void {
    for (const r of results) {
      if (r.status === 'accepted') this.c.stats.accepted++;
      else if (r.status === 'duplicate') this.c.stats.duplicate++;
      else this.c.stats.rejected++;
    }
  }

  private async post(rec: PeerRecord, path: string, body: string | Buffer, signal: AbortSignal, maxBytes: number): Promise<unknown> {
    // A stranger's URL is checked again at every dial: its name may resolve elsewhere by now.
    const strangerUrl = !ownerConfirmed(rec);
    const res = await this.c.transport.request({ url: rec.url, method: 'POST', path, body, token: rec.tokenOut, timeoutMs: this.init.requestTimeoutMs, signal, maxBytes, strangerUrl });
    const data = parseJson(res.text);
    if (res.status === 200) return data;
    const msg = (data as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 429) throw new PeerAnswerError(`rate limited by the peer: ${msg}`, res.retryAfterMs ?? 1000);
    // The peer is up but cannot store now (its disk): back off as after a failure, stay up, lose nothing.
    if (res.status === 503) throw new PeerAnswerError(`${path} answered 503: ${msg}`, Math.max(res.retryAfterMs ?? 0, this.backoff.next()));
    throw new PeerAnswerError(`${path} answered ${res.status}: ${msg}`);
  }
}
