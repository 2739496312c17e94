/**
 * A mirror job with several sources (a swarm). Every source's group index is walked from its
 * own saved cursor; the ids this node lacks join one wanted set (the union, each id once,
 * with the sources that list it). Each source pulls chunks of wanted ids it holds into its own
 * few SENDMEs, so a source that answers faster takes more; a chunk that fails, is rate-limited
 * or is left out goes back to the set for the others; a source that keeps failing is given up
 * for this run and its share moves to the others. A source's cursor passes an index entry
 * only once that id is held or settled, and is saved in the commit that settles it (its own
 * commit stage), so a crash resumes with nothing doubled or skipped. The wanted set and the
 * slices live in swarm-index.ts; this file reads, fetches, writes and handles failures.
 * Memory: a few index pages and a few chunks per source.
 */
import type { ArticleResult } from '../../protocol/peer-messages';
import { LIMITS } from '../../protocol/limits';
import type { CommitStage } from '../ingest/commit-hook';
import { ArchiveClient, MirrorFetchError } from './archive-client';
import { KEEP_REJECTIONS, saveJobOp, type MirrorJobRecord, type MirrorSourceRecord } from './job-record';
import { MirrorRunner, snapshot } from './mirror-runner';
import { emptySourceIndex, SwarmIndex, type SourceIndex } from './swarm-index';

/** Consecutive failures after which a source is given up for this run (others still live). */
const SOURCE_FAILURES_MAX = 3;

interface Source extends SourceIndex {
  rec: MirrorSourceRecord;
  client: ArchiveClient;
  failures: number;
  reading: Promise<void> | null;
  delivered: number;
  /** Its chunks handed to the ingest and not yet written (at most `fetchAhead`). */
  writing: Set<Promise<void>>;
}

export class SwarmRunner extends MirrorRunner {
  private sources: Source[] = [];
  private index = new SwarmIndex([], 1);
  private wake: () => void = () => undefined;
  private changed: Promise<void> = Promise.resolve();
  /** The record as last written (the walk restarts from it after a failed write). */
  private committed: MirrorJobRecord = snapshot(this.rec);
  /** The first error that stops this walk (the other loops end at their next step). */
  private halt: unknown = null;

  override sourceRates(): number[] {
    const secs = (this.c.clock.monotonic() - this.startAt) / 1000;
    return this.sources.map((s) => (secs > 0 ? Math.round(s.delivered / secs) : 0));
  }

  protected override progressMark(): number {
    return (this.rec.sources ?? []).reduce((n, s) => n + s.cursor, 0) + this.rec.done;
  }

  protected override async beforeFinish(): Promise<void> {
    const rec = this.rec;
    const srcs = rec.sources ?? [];
    // Held ids listed by several sources before the job began may be counted once per source.
    const local = await this.c.store.group(rec.group);
    if (local && rec.done > local.count) rec.done = local.count;
    rec.total = Math.max(...srcs.map((s) => s.count), rec.done + (rec.missing ?? 0) + rec.rejected);
    const failed = srcs.filter((s) => s.state === 'failed');
    if (failed.length > 0) {
      rec.error = `${failed.map((s) => `source ${s.url} failed (${s.error ?? 'error'})`).join('; ')}: its share went to the other sources; articles only it lists may be missing, a new start retries it`;
    } else delete rec.error;
  }

  private signalChange(): void {
    this.wake();
    this.changed = new Promise((r) => (this.wake = r));
  }

  protected override async walk(): Promise<void> {
    const rec = this.rec;
    this.signalChange();
    rec.createdAtMs ??= this.c.clock.now();
    this.sources = await Promise.all(
      (rec.sources ?? []).map(async (s) => {
        // Every run gives every source another chance.
        s.state = 'active';
        delete s.error;
        const token = await this.init.tokenFor?.(s.url);
        const client = new ArchiveClient(this.init.transport, { url: s.url, token, signal: this.signal });
        return { ...emptySourceIndex(), rec: s, client, failures: 0, reading: null, delivered: 0, writing: new Set<Promise<void>>() };
      }),
    );
    this.index = new SwarmIndex(this.sources, this.init.batchIds);
    const ahead = this.init.fetchAhead;
    this.halt = null;
    const stopAll = (err: unknown) => {
      this.halt ??= err;
      this.signalChange();
    };
    await Promise.all(this.sources.flatMap((_, i) => Array.from({ length: ahead }, () => this.worker(i).catch(stopAll))));
    await Promise.all(this.sources.flatMap((s) => [...s.writing]));
    if (this.halt) {
      // Back to what is on disk: the walk starts again from the saved cursors.
      Object.assign(rec, snapshot(this.committed));
      throw this.halt;
    }
    if (this.signal.aborted) return;
    if (this.sources.every((s) => s.rec.state === 'failed')) {
      Object.assign(rec, snapshot(this.committed));
      throw new MirrorFetchError(`every source failed: ${this.sources.map((s) => s.rec.error).join('; ')}`, false);
    }
  }

  private live(i: number): boolean {
    const s = this.sources[i];
    return !this.signal.aborted && !this.halt && s.rec.state === 'active';
  }

  /** One of a source's fetch loops: read index pages when short of work, fetch, write. */
  private async worker(i: number): Promise<void> {
    const src = this.sources[i];
    const batch = Math.min(this.init.batchIds, LIMITS.idsPerBatchMax);
    while (this.live(i)) {
      if (src.exhausted && src.slices.length === 0) {
        src.rec.state = 'finished';
        this.signalChange();
        return;
      }
      const seen = this.changed;
      try {
        await this.readIndex(i);
        const ids = this.index.take(i, batch);
        if (ids.length === 0) {
          if (!src.reading && (src.exhausted || src.unsettled >= this.walkAhead())) await Promise.race([seen, this.stopped]);
          continue;
        }
        await this.fetchAndWrite(i, ids);
        if (src.failures > 0) {
          src.failures = 0;
          delete src.rec.error;
        }
      } catch (err) {
        if (!(err instanceof MirrorFetchError)) throw err;
        await this.sourceFailed(i, err);
      }
    }
  }

  /** Resolves when the job is stopped (one listener for the whole run). */
  private readonly stopped: Promise<void> = new Promise((r) => (this.signal.aborted ? r() : this.signal.addEventListener('abort', () => r(), { once: true })));

  /** Wanted ids a source may list ahead of what is settled (bounds memory). */
  private walkAhead(): number {
    return Math.max(2 * this.init.pageSize, 4 * this.init.batchIds * this.init.fetchAhead);
  }

  /** Reads the source's next index page when its queue runs short (one read at a time). */
  private async readIndex(i: number): Promise<void> {
    const src = this.sources[i];
    if (src.reading) return src.reading;
    const short = src.queue.length - src.head < 2 * this.init.batchIds * this.init.fetchAhead;
    if (src.exhausted || !short || src.unsettled >= this.walkAhead()) return;
    src.reading = this.readPage(i).finally(() => (src.reading = null));
    return src.reading;
  }

  private async readPage(i: number): Promise<void> {
    const src = this.sources[i];
    const after = src.slices.length > 0 ? src.slices[src.slices.length - 1].lastN : src.rec.cursor;
    const page = await src.client.index(this.rec.group, after, Math.min(this.init.pageSize, LIMITS.indexPageMax));
    if (page.count !== undefined) {
      src.rec.count = page.count;
      this.rec.total = Math.max(this.rec.total, page.count);
    }
    if (page.entries.length === 0) {
      src.exhausted = true;
      this.signalChange();
      return;
    }
    // Ids another source's page already brought are not looked up again (sources overlap).
    const { known, unknown } = this.index.unknownIds(page);
    const found = unknown.length > 0 ? await this.c.store.history(unknown) : [];
    this.index.addPage(i, page, known, found, this.c.clock.now(), this.rec.createdAtMs ?? 0);
    this.signalChange();
    if (this.advance()) await this.flush();
  }

  /** Puts ids back for the other sources that list them. */
  private giveBack(ids: string[]): void {
    this.index.giveBack(ids);
    this.signalChange();
  }

  private async fetchAndWrite(i: number, ids: string[]): Promise<void> {
    const src = this.sources[i];
    this.c.metrics.sendmeSent += ids.length;
    let reply;
    try {
      reply = await src.client.sendme(ids);
    } catch (err) {
      this.giveBack(ids);
      throw err;
    }
    this.c.metrics.articlesReceived += reply.articles.length;
    const got = new Set<string>();
    for (const a of reply.articles) {
      const id = (a as { id?: unknown }).id;
      if (typeof id === 'string') got.add(id);
    }
    const more = reply.more ?? [];
    const moreSet = new Set(more);
    // Listed but not served: this source does not hold it after all.
    const notHeld = ids.filter((id) => !got.has(id) && !moreSet.has(id));
    if (notHeld.length > 0) this.dropHolder(i, notHeld);
    if (more.length > 0) this.giveBack(more.filter((id) => this.index.takenBy(id, i)));
    if (this.halt) return;
    if (reply.articles.length === 0) {
      if (notHeld.length > 0 && this.advance()) await this.flush();
      return;
    }
    // The next SENDME goes out while this chunk is written; a few chunks wait at most.
    const w: Promise<void> = this.write(i, reply.articles, ids)
      .catch((err) => {
        this.halt ??= err;
        this.signalChange();
      })
      .finally(() => src.writing.delete(w));
    src.writing.add(w);
    while (src.writing.size >= this.init.fetchAhead) await Promise.race(src.writing);
  }

  /** Source i lacks these ids: others that list them get them, else they are missing. */
  private dropHolder(i: number, ids: string[]): void {
    const missing = this.index.dropHolder(i, ids);
    if (missing > 0) this.rec.missing = (this.rec.missing ?? 0) + missing;
    this.signalChange();
  }

  /** Moves each source's cursor over its settled slices; true when anything moved. */
  private advance(): boolean {
    return this.index.advance((i, slice) => {
      this.sources[i].rec.cursor = slice.lastN;
      this.rec.done += slice.held;
    });
  }

  /** Saves the record (through the group commit, in order with the chunks' own saves). */
  private async flush(): Promise<void> {
    let saved: MirrorJobRecord | undefined;
    await this.c.ingest.write(() => {
      saved = snapshot(this.rec);
      return [saveJobOp(this.c.store, saved)];
    });
    if (saved) this.committed = saved;
  }

  /**
   * Writes one chunk through the ingest with a stage of its own: inside the commit it settles
   * the chunk's ids from their real results, moves the cursors and saves the record in the
   * same batch (ingest/commit-hook.ts).
   */
  private async write(i: number, articles: unknown[], asked: string[]): Promise<void> {
    const src = this.sources[i];
    const ids = articles.map((a) => (a as { id?: unknown }).id);
    let saved: MirrorJobRecord | undefined;
    const stage: CommitStage = {
      decided: (outcome, ops) => {
        this.count(i, outcome.results, ids);
        this.advance();
        saved = snapshot(this.rec);
        ops.push(saveJobOp(this.c.store, saved));
      },
      committed: () => {
        if (saved) this.committed = saved;
      },
    };
    const origin = { kind: 'mirror' as const, peer: src.rec.peerName ?? src.rec.url };
    try {
      await this.c.ingest.submit(articles, origin, { stage });
    } catch (err) {
      // Not written: let the others (or a later try) have them.
      this.giveBack(asked.filter((id) => this.index.takenBy(id, i)));
      throw err;
    }
    this.signalChange();
  }

  private count(i: number, results: readonly ArticleResult[], ids: unknown[]): void {
    const rec = this.rec;
    const src = this.sources[i];
    for (let k = 0; k < results.length; k++) {
      const r = results[k];
      const id = ids[k];
      // Only what was asked for counts: an article a source added unasked is stored, not counted.
      if (typeof id !== 'string' || !this.index.isWanted(id)) continue;
      if (r.status === 'rejected') {
        rec.rejected++;
        rec.rejections.push({ id: r.id || '(no valid id)', reason: r.reason ?? 'rejected' });
      } else {
        rec.done++;
        src.rec.done++;
        src.delivered++;
      }
      this.index.settle(id);
      // Kept long enough that any history read begun before it was on disk has been used.
      this.index.markWritten(id, 2 * this.walkAhead() * this.sources.length);
    }
    if (rec.rejections.length > KEEP_REJECTIONS) rec.rejections.splice(0, rec.rejections.length - KEEP_REJECTIONS);
  }

  /** A failed call: wait (Retry-After or backoff), or give the source up when others live. */
  private async sourceFailed(i: number, err: MirrorFetchError): Promise<void> {
    const src = this.sources[i];
    src.rec.error = err.message;
    const others = this.sources.some((s, k) => k !== i && s.rec.state !== 'failed');
    if (err.retryAfterMs !== undefined && !err.permanent) {
      // Rate-limited: not a failure; its chunk went back to the others meanwhile.
      await this.c.clock.sleep(err.retryAfterMs, this.signal);
      return;
    }
    src.failures++;
    if ((err.permanent || src.failures >= SOURCE_FAILURES_MAX) && others) {
      this.c.logger.warn({ job: this.rec.id, source: src.rec.url, err: err.message }, 'mirror: source given up for this run; its share goes to the others');
      this.giveUp(i);
      if (this.advance()) await this.flush();
      return;
    }
    if (!others) throw err;
    this.c.logger.warn({ job: this.rec.id, source: src.rec.url, err: err.message }, 'mirror: source failed; retrying it');
    await this.c.clock.sleep(this.backoff(src.failures), this.signal);
  }

  private giveUp(i: number): void {
    const src = this.sources[i];
    if (src.rec.state === 'failed') return;
    src.rec.state = 'failed';
    // Its listing beyond the cursor is unknown now; what it listed, others may hold.
    const missing = this.index.giveUp(i);
    if (missing > 0) this.rec.missing = (this.rec.missing ?? 0) + missing;
    this.signalChange();
  }
}
