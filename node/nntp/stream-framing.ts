/**
 * The streaming feed's side of RFC 4644, as bytes and reply codes: the CHECK lines of a batch,
 * TAKETHIS commands with their dot-stuffed articles gathered into write chunks of a bounded
 * size, and what each reply code means for the queue entry it answers. No socket and no
 * counters here: node/nntp/feed-link.ts writes the chunks and keeps the stats.
 */
import { dotStuff } from '../../protocol/nntp/dot-stuffing';
import { CODE } from '../../protocol/nntp/replies';
import type { ClientReply } from './client';

/** A peer's reply the feed cannot go on from (the link fails and backs off). */
export class FeedError extends Error {}

export function unexpected(verb: string, r: ClientReply): FeedError {
  return new FeedError(`${verb} answered ${r.code} ${r.text}`.slice(0, 300));
}

/** The pipelined CHECKs of a batch, one line per id. */
export const checkLines = (ids: readonly string[]): string => ids.map((id) => `CHECK ${id}\r\n`).join('');

/** `send`: 238, take it; `later`: 431, offer it again; `refused`: 438, done with it. */
export type CheckAnswer = 'send' | 'later' | 'refused';

export function checkAnswer(r: ClientReply): CheckAnswer {
  if (r.code === CODE.CHECK_SEND) return 'send';
  if (r.code === CODE.CHECK_LATER) return 'later';
  if (r.code === CODE.CHECK_NOT_WANTED) return 'refused';
  throw unexpected('CHECK', r);
}

/** A 439 is a duplicate when its text says so (INN: "Duplicate", others: "already have"). */
export type TakethisAnswer = 'accepted' | 'duplicate' | 'rejected';

export function takethisAnswer(r: ClientReply): TakethisAnswer {
  if (r.code === CODE.TAKETHIS_OK) return 'accepted';
  if (r.code === CODE.TAKETHIS_REJECTED) return /duplicate|already/i.test(r.text) ? 'duplicate' : 'rejected';
  throw unexpected('TAKETHIS', r);
}

/** One TAKETHIS command: its line, then the article dot-stuffed and ended by the dot line. */
export function takethisFrame(id: string, article: Buffer): Buffer[] {
  return [Buffer.from(`TAKETHIS ${id}\r\n`), dotStuff(article)];
}

/**
 * TAKETHIS commands gathered for one write: add() answers whether the chunk has reached
 * `chunkBytes` of articles (time to write it), take() hands the bytes and one verb per command.
 */
export class TakethisChunk {
  private parts: Buffer[] = [];
  private verbs: string[] = [];
  private bytes = 0;

  constructor(private readonly chunkBytes: number) {}

  get empty(): boolean {
    return this.verbs.length === 0;
  }

  add(id: string, article: Buffer): boolean {
    const [line, block] = takethisFrame(id, article);
    this.parts.push(line, block);
    this.verbs.push('TAKETHIS');
    this.bytes += block.length;
    return this.bytes >= this.chunkBytes;
  }

  take(): { data: Buffer; verbs: string[] } {
    const out = { data: Buffer.concat(this.parts), verbs: this.verbs };
    this.parts = [];
    this.verbs = [];
    this.bytes = 0;
    return out;
  }
}
