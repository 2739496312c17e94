/**
 * One batch of an NNTP feed on the wire (the sending side of node/nntp/feed-link.ts): in
 * streaming mode pipelined CHECKs, then the wanted articles as pipelined TAKETHIS written in
 * chunks of bounded bytes (stream-framing.ts), the CHECKs skipped while no-CHECK mode holds;
 * without streaming, one IHAVE at a time. Each answers which queue entries are done and which
 * the peer wants offered again later; a reply that fits no rule throws (the link backs off).
 */
import { CODE } from '../../protocol/nntp/replies';
import type { QueueEntry } from '../feed/outbound-queue';
import type { LinkStats } from '../gossip/link-stats';
import type { NoCheckMode } from '../gossip/no-check-mode';
import type { Metrics } from '../metrics';
import type { ClientReply, NntpClient } from './client';
import type { ReadModel } from './read-model';
import { checkAnswer, checkLines, TakethisChunk, takethisAnswer, unexpected } from './stream-framing';

export interface FeedBatchContext {
  read: ReadModel;
  metrics: Metrics;
  stats: LinkStats;
  noCheck: NoCheckMode;
  /** Bytes of TAKETHIS written before waiting for the socket to drain. */
  writeChunkBytes: number;
}

/** Queue keys the peer answered for, and entries to offer again after a delay (431/436). */
export interface BatchOutcome {
  done: string[];
  later: QueueEntry[];
}

/** CHECK (unless in no-CHECK mode) then TAKETHIS, both pipelined. */
export async function streamBatch(ctx: FeedBatchContext, client: NntpClient, batch: QueueEntry[]): Promise<BatchOutcome> {
  const done: string[] = [];
  const later: QueueEntry[] = [];
  let wanted = batch;
  const noCheck = ctx.noCheck.active;
  if (!noCheck) {
    const replies = await Promise.all(client.writeMany(checkLines(batch.map((e) => e.id)), batch.map(() => 'CHECK')));
    ctx.metrics.ihaveSent += batch.length;
    ctx.stats.offered += batch.length;
    wanted = [];
    batch.forEach((e, i) => {
      const answer = checkAnswer(replies[i]);
      if (answer === 'send') wanted.push(e);
      else if (answer === 'later') later.push(e);
      else done.push(e.key);
    });
    ctx.noCheck.offered(batch.length, wanted.length);
  }
  const pending: Promise<ClientReply>[] = [];
  const sent: QueueEntry[] = [];
  const chunk = new TakethisChunk(ctx.writeChunkBytes);
  const writeChunk = async () => {
    if (chunk.empty) return;
    const { data, verbs } = chunk.take();
    pending.push(...client.writeMany(data, verbs));
    await client.writable(ctx.writeChunkBytes);
  };
  for (const e of wanted) {
    const a = ctx.read.feedBytes(e.id);
    if (!a) {
      done.push(e.key); // gone here since it was queued (removed): nothing to send
      continue;
    }
    sent.push(e);
    if (chunk.add(e.id, a.bytes)) await writeChunk();
  }
  await writeChunk();
  const results = await Promise.all(pending);
  let accepted = 0;
  results.forEach((r, i) => {
    const answer = takethisAnswer(r);
    if (answer === 'accepted') accepted++;
    ctx.stats[answer]++;
    done.push(sent[i].key);
  });
  ctx.metrics.articlesSent += sent.length;
  ctx.stats.sent += sent.length;
  if (noCheck) ctx.noCheck.pushed(sent.length, accepted);
  return { done, later };
}

/** One IHAVE at a time, for servers without streaming. */
export async function ihaveBatch(ctx: FeedBatchContext, client: NntpClient, batch: QueueEntry[]): Promise<BatchOutcome> {
  const done: string[] = [];
  const later: QueueEntry[] = [];
  for (const e of batch) {
    const a = ctx.read.feedBytes(e.id);
    if (!a) {
      done.push(e.key); // gone here since it was queued (removed): nothing to offer
      continue;
    }
    const offer = await client.command(`IHAVE ${e.id}`);
    ctx.metrics.ihaveSent++;
    ctx.stats.offered++;
    if (offer.code === CODE.IHAVE_LATER) later.push(e);
    else if (offer.code === CODE.IHAVE_NOT_WANTED) done.push(e.key);
    else if (offer.code !== CODE.IHAVE_SEND) throw unexpected('IHAVE', offer);
    else {
      const r = await client.sendBlock(a.bytes, 'IHAVE');
      ctx.metrics.articlesSent++;
      ctx.stats.sent++;
      if (r.code === CODE.IHAVE_OK) ctx.stats.accepted++;
      else if (r.code === CODE.IHAVE_LATER) {
        later.push(e);
        continue;
      } else if (r.code === CODE.IHAVE_REJECTED) ctx.stats.rejected++;
      else throw unexpected('IHAVE', r);
      done.push(e.key);
    }
  }
  return { done, later };
}
