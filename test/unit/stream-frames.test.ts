/**
 * Stream frame headers (protocol/stream-frames.ts): the compact form decodes to the same
 * header objects as the JSON line, the schemas still judge them, and a truncated or
 * overlong compact header is no header at all.
 */
import { BIND_PATH, buildFrame, frameKind, isBindFrame, isCompactFrame, splitFrame, StreamBindSchema, StreamReplyHeaderSchema, StreamRequestHeaderSchema } from '../../protocol/stream-frames';

describe('stream frames', () => {
  it('round-trips calls and answers in both forms, the compact one a few bytes long', () => {
    const body = '{"ids":["<a@b>"]}';
    for (const id of [0, 1, 127, 128, 300_000, Number.MAX_SAFE_INTEGER]) {
      for (const compact of [false, true]) {
        const call = buildFrame({ id, path: '/v1/takethis' }, body, compact);
        expect(isCompactFrame(call)).toBe(compact);
        const c = splitFrame(call)!;
        expect(StreamRequestHeaderSchema.parse(c.header)).toEqual({ id, path: '/v1/takethis' });
        expect(c.body.toString()).toBe(body);
        const answer = buildFrame({ id, status: 429, retryAfterMs: 2_000 }, 'x', compact);
        const a = splitFrame(answer)!;
        expect(StreamReplyHeaderSchema.parse(a.header)).toEqual({ id, status: 429, retryAfterMs: 2_000 });
        expect(a.body.toString()).toBe('x');
        const plain = splitFrame(buildFrame({ id, status: 200 }, '', compact))!;
        expect(StreamReplyHeaderSchema.parse(plain.header)).toEqual({ id, status: 200 });
      }
    }
    expect(buildFrame({ id: 5_000, path: '/v1/ihave' }, '', true).length).toBe(4);
    expect(buildFrame({ id: 5_000, status: 200 }, '', true).length).toBe(5);
  });

  it('gives an unknown path code a path no call has, and refuses truncated or overlong headers', () => {
    const unknown = splitFrame(Buffer.from([0x01, 9, 5]))!;
    expect(unknown.header).toEqual({ id: 5, path: '#9' });
    expect(StreamRequestHeaderSchema.safeParse(unknown.header).success).toBe(true); // routed to a 404
    expect(splitFrame(Buffer.from([0x01]))).toBeNull();
    expect(splitFrame(Buffer.from([0x01, 0, 0x80]))).toBeNull();
    expect(splitFrame(Buffer.from([0x02, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01, 200]))).toBeNull();
    // An answer decodes without a path: the server's schema refuses it as a call.
    expect(StreamRequestHeaderSchema.safeParse(splitFrame(buildFrame({ id: 1, status: 200 }, '', true))!.header).success).toBe(false);
    // A status out of range is decoded and then refused by the same schema as the JSON line's.
    expect(StreamReplyHeaderSchema.safeParse(splitFrame(Buffer.from([0x02, 1, 0xe8, 0x07]))!.header).success).toBe(false);
  });

  it('tells a call from an answer on a two-way stream, and codes the bind', () => {
    const bind = buildFrame({ id: 1, path: BIND_PATH }, JSON.stringify({ token: 'tok' }), true);
    expect(bind.subarray(0, 2)).toEqual(Buffer.from([0x01, 2]));
    expect(isBindFrame(bind)).toBe(true);
    expect(splitFrame(bind)!.header).toEqual({ id: 1, path: BIND_PATH });
    expect(frameKind(bind)).toBe('call');
    expect(isBindFrame(buildFrame({ id: 1, path: '/v1/ihave' }, '', true))).toBe(false);
    expect(frameKind(buildFrame({ id: 1, status: 200 }, '', true))).toBe('reply');
    expect(frameKind(buildFrame({ id: 1, status: 429, retryAfterMs: 5 }, '', true))).toBe('reply');
    expect(frameKind(buildFrame({ id: 1, path: '/v1/ihave' }, '', false))).toBe('json');
    expect(StreamBindSchema.safeParse({ token: '' }).success).toBe(false);
    expect(StreamBindSchema.safeParse({ token: 'x'.repeat(257) }).success).toBe(false);
    expect(StreamBindSchema.safeParse({ token: 'tok', extra: 1 }).success).toBe(false);
  });
});
