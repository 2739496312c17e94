/**
 * Frames of the peer stream (`GET /v1/stream`, a WebSocket opened after the hello with the
 * link's bearer token): each binary message is one header line of JSON, a `\n`, then the
 * body as the HTTP route would carry it. A call is `{"id":N,"path":"/v1/ihave"}\n{"ids":[...]}`;
 * its answer is `{"id":N,"status":200}\n{"sendme":[...],"later":[...]}` (an error answer has the
 * status and body of the HTTP route's, `retryAfterMs` on 429/503). Answers may come in any
 * order; the id matches them. Pure: no I/O.
 */
import { z } from 'zod';
import { LIMITS } from './limits';

/** The calls a stream carries (the flood-fill routes); everything else stays on HTTP. */
export const STREAM_PATHS = ['/v1/ihave', '/v1/takethis'] as const;
export type StreamPath = (typeof STREAM_PATHS)[number];

const FrameId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const StreamRequestHeaderSchema = z.strictObject({ id: FrameId, path: z.string().max(64) });
export type StreamRequestHeader = z.infer<typeof StreamRequestHeaderSchema>;

export const StreamReplyHeaderSchema = z.strictObject({
  id: FrameId,
  status: z.number().int().min(100).max(599),
  retryAfterMs: z.number().int().min(0).max(24 * 3_600_000).optional(),
});
export type StreamReplyHeader = z.infer<typeof StreamReplyHeaderSchema>;

const NL = 0x0a;

/** Splits a frame into its header line (not yet validated) and body; null when there is no header line. */
export function splitFrame(frame: Buffer): { header: unknown; body: Buffer } | null {
  const end = frame.subarray(0, LIMITS.streamHeaderMaxBytes + 1).indexOf(NL);
  if (end < 0) return null;
  try {
    return { header: JSON.parse(frame.toString('latin1', 0, end)), body: frame.subarray(end + 1) };
  } catch {
    return null;
  }
}

/** One frame: a header line and a body already serialised (the sender's cached bytes). */
export function buildFrame(header: StreamRequestHeader | StreamReplyHeader, body: string | Buffer): Buffer {
  const head = Buffer.from(`${JSON.stringify(header)}\n`, 'latin1');
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([head, b], head.length + b.length);
}
