/**
 * Frames of the peer stream (`GET /v1/stream`, a WebSocket opened after the hello with the
 * link's bearer token): each binary message is one header line of JSON, a `\n`, then the
 * body as the HTTP route would carry it. A call is `{"id":N,"path":"/v1/ihave"}\n{"ids":[...]}`;
 * its answer is `{"id":N,"status":200}\n{"sendme":[...],"later":[...]}` (an error answer has the
 * status and body of the HTTP route's, `retryAfterMs` on 429/503). Answers may come in any
 * order; the id matches them. A server that answers the upgrade with `x-newsmesh-frames:
 * compact` also takes compact frames, whose header is a few bytes instead of a JSON line (a
 * tag, the path's number, the id as a varint; see compactHeader below), and answers each call
 * in the form it came in. Either way the header decodes to the same objects, checked by the
 * same schemas. A client that also asks `x-newsmesh-duplex: 1` on the upgrade, answered with the
 * same header, gets a two-way stream: the server makes its own calls to the client on the same
 * socket (compact frames), the first of them a bind (`/v1/bind`, `{"token":...}`) presenting the
 * bearer token the client gave the server, so the client knows whose calls they are. Pure: no I/O.
 */
import { z } from 'zod';
import { LIMITS } from './limits';

/** The calls a stream carries (the flood-fill routes); everything else stays on HTTP. */
export const STREAM_PATHS = ['/v1/ihave', '/v1/takethis'] as const;
export type StreamPath = (typeof STREAM_PATHS)[number];

/** On a two-way stream, the server's first call: it proves which peer the reverse calls come from. */
export const BIND_PATH = '/v1/bind';
/** Paths by compact code: the calls, then the bind (a code older nodes decode to a path they answer 404). */
const CALL_CODES: readonly string[] = [...STREAM_PATHS, BIND_PATH];

/** The upgrade request's and answer's header for a two-way stream, and its value. */
export const DUPLEX_HEADER = 'x-newsmesh-duplex';
export const DUPLEX_VALUE = '1';

export const StreamBindSchema = z.strictObject({ token: z.string().min(1).max(LIMITS.peerTokenMaxBytes) });

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

/** The upgrade answer's header by which a server says it takes compact frames, and its value. */
export const COMPACT_FRAMES_HEADER = 'x-newsmesh-frames';
export const COMPACT_FRAMES_VALUE = 'compact';

/**
 * Compact header tags (a JSON header line starts with `{`, 0x7b, so the first byte tells the form):
 * a call is CALL, the path's index in STREAM_PATHS, the id; an answer is REPLY, the id, the
 * status, or REPLY_RETRY with retryAfterMs after the status. Numbers are unsigned LEB128 varints.
 */
const CALL = 0x01;
const REPLY = 0x02;
const REPLY_RETRY = 0x03;
/** A varint longer than this cannot be a safe integer. */
const VARINT_MAX_BYTES = 8;

/** Whether a frame is in the compact form. */
export const isCompactFrame = (frame: Buffer): boolean => frame.length > 0 && frame[0] >= CALL && frame[0] <= REPLY_RETRY;

/**
 * What a frame is by its first byte: a compact call or answer, or a JSON header line (a call
 * when it reaches a server, an answer when it reaches a client: the two-way stream is compact).
 */
export function frameKind(frame: Buffer): 'call' | 'reply' | 'json' {
  if (frame.length > 0 && frame[0] === CALL) return 'call';
  return isCompactFrame(frame) ? 'reply' : 'json';
}

/** Whether a compact call frame is a bind. */
export const isBindFrame = (frame: Buffer): boolean => frame.length > 1 && frame[0] === CALL && frame[1] === CALL_CODES.indexOf(BIND_PATH);

function putVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** Reads varints from the front of a frame; null past the end or a varint too long. */
function readVarints(frame: Buffer, from: number, count: number): { values: number[]; end: number } | null {
  const values: number[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    let v = 0;
    let scale = 1;
    for (let len = 0; ; len++) {
      if (at >= frame.length || len >= VARINT_MAX_BYTES) return null;
      const b = frame[at++];
      v += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
    }
    values.push(v);
  }
  return { values, end: at };
}

/** The compact header of a call or an answer (the header must already be valid). */
function compactHeader(header: StreamRequestHeader | StreamReplyHeader): Buffer {
  const out: number[] = [];
  if ('path' in header) {
    const code = CALL_CODES.indexOf(header.path);
    if (code < 0) throw new Error(`no compact code for the path ${header.path}`);
    out.push(CALL, code);
    putVarint(out, header.id);
  } else {
    out.push(header.retryAfterMs === undefined ? REPLY : REPLY_RETRY);
    putVarint(out, header.id);
    putVarint(out, header.status);
    if (header.retryAfterMs !== undefined) putVarint(out, header.retryAfterMs);
  }
  return Buffer.from(out);
}

/** Splits a compact frame into its header (not yet validated: the schemas check it) and body. */
function splitCompact(frame: Buffer): { header: unknown; body: Buffer } | null {
  const tag = frame[0];
  if (tag === CALL) {
    if (frame.length < 2) return null;
    const code = frame[1];
    const r = readVarints(frame, 2, 1);
    // An unknown code decodes to a path no call has: the server answers it 404, as for a JSON header.
    return r && { header: { id: r.values[0], path: CALL_CODES[code] ?? `#${code}` }, body: frame.subarray(r.end) };
  }
  const r = readVarints(frame, 1, tag === REPLY_RETRY ? 3 : 2);
  if (!r) return null;
  const [id, status, retryAfterMs] = r.values;
  return { header: { id, status, ...(tag === REPLY_RETRY ? { retryAfterMs } : {}) }, body: frame.subarray(r.end) };
}

/** Splits a frame (either form) into its header (not yet validated) and body; null when it has no header. */
export function splitFrame(frame: Buffer): { header: unknown; body: Buffer } | null {
  if (isCompactFrame(frame)) return splitCompact(frame);
  const end = frame.subarray(0, LIMITS.streamHeaderMaxBytes + 1).indexOf(NL);
  if (end < 0) return null;
  try {
    return { header: JSON.parse(frame.toString('latin1', 0, end)), body: frame.subarray(end + 1) };
  } catch {
    return null;
  }
}

/** One frame: a header (a JSON line, or compact) and a body already serialised (the sender's cached bytes). */
export function buildFrame(header: StreamRequestHeader | StreamReplyHeader, body: string | Buffer, compact = false): Buffer {
  const head = compact ? compactHeader(header) : Buffer.from(`${JSON.stringify(header)}\n`, 'latin1');
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([head, b], head.length + b.length);
}
