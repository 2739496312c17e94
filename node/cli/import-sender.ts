/**
 * The sending half of `newsmesh import`: articles go to the running node in batches (POST
 * /api/import), cut by count and by size, with a few requests in flight so the node commits
 * one batch while the next travels and is parsed. It adds up the node's answers; the reasons
 * of only the first few rejections are kept (the count is always complete).
 */
import { LIMITS } from '../../protocol/limits';
import type { ImportResult } from '../../protocol/archive-messages';
import type { ApiClient } from './api-client';

/** A batch is sent at this many articles or this many characters, whichever comes first. */
const BATCH_ARTICLES = 500;
const BATCH_CHARS = LIMITS.requestMaxBytes / 4;
/** Reasons kept for rejected articles (the count is always complete). */
const SHOW_PROBLEMS = 20;

/** Requests in flight: the node commits one batch while the next one travels and is parsed. */
const IN_FLIGHT = 2;

/** Batches articles to the node, a few requests in flight while the caller parses the next. */
export class ImportSender {
  readonly total: ImportResult = { added: 0, present: 0, rejected: 0, problems: [] };
  /** Articles the file listed (sent or refused before sending). */
  listed = 0;
  private batch: unknown[] = [];
  private chars = 0;
  private readonly inFlight: Promise<void>[] = [];

  constructor(private readonly api: ApiClient) {}

  async add(item: unknown, size: number): Promise<void> {
    this.listed++;
    this.batch.push(item);
    this.chars += size;
    if (this.batch.length >= BATCH_ARTICLES || this.chars >= BATCH_CHARS) await this.flush();
  }

  /** An article of the file that could not even be sent (unreadable message, not JSON). */
  refuse(id: string, reason: string): void {
    this.listed++;
    this.rejected(id, reason);
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    while (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
    const articles = this.batch;
    this.batch = [];
    this.chars = 0;
    const sent = this.api.request<ImportResult>('POST', '/api/import', { articles }).then((r) => {
      this.total.added += r.added;
      this.total.present += r.present;
      for (const p of r.problems) this.rejected(p.id, p.reason);
    });
    // Raised when awaited (a later flush or done()); marked handled meanwhile.
    sent.catch(() => undefined);
    this.inFlight.push(sent);
  }

  private rejected(id: string, reason: string): void {
    this.total.rejected++;
    if (this.total.problems.length < SHOW_PROBLEMS) this.total.problems.push({ id, reason });
  }

  async done(): Promise<void> {
    await this.flush();
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }
}
