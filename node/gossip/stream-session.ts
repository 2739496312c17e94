/**
 * The calls one peer makes on one stream: each frame (protocol/stream-frames.ts) is dispatched
 * through flood-calls.ts to the same schema, body limit, rate limit and receiver as the HTTP
 * route, and answered with the call's id in the form it came in. The token is checked again
 * per frame (a peer removed meanwhile is refused and the stream closed), and at most
 * streamCallsInFlightMax calls are open: past that the socket is paused (backpressure, not
 * buffering). The server side of `/v1/stream` runs one per accepted socket (stream-routes.ts);
 * on a two-way stream the dialling side runs one too, for the calls the server makes back,
 * once the server's bind proved whose they are (streamCallServer below).
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { zodProblem } from '../../protocol/article';
import { LIMITS } from '../../protocol/limits';
import { buildFrame, isCompactFrame, splitFrame, StreamRequestHeaderSchema, STREAM_PATHS, type StreamPath, type StreamReplyHeader } from '../../protocol/stream-frames';
import { NmError } from '../errors';
import type { BodyLimits } from '../http/body-limits';
import { toNmError } from '../http/error-handler';
import { parseJsonBody } from '../http/json-body';
import type { CallServer } from '../net/stream-host';
import { FLOOD_CALLS, type FloodEngine } from './flood-calls';
import { sameToken } from './peer-auth';

/** Largest frame: one TAKETHIS batch and its header line. */
export const streamMaxPayload = (limits: BodyLimits): number => Math.max(limits.takethis, limits.ids) + LIMITS.streamHeaderMaxBytes + 1;

export class StreamSession {
  private open = 0;
  private paused = false;
  /**
   * Frames that came in while streamCallsInFlightMax calls were open: the rest of the socket
   * read that was being parsed when reading paused (bounded by one read), dispatched as calls end.
   */
  private readonly held: Buffer[] = [];

  constructor(
    private readonly ws: WebSocket,
    private authorization: string | undefined,
    private readonly engine: FloodEngine,
    private readonly limits: BodyLimits,
    private readonly log: FastifyBaseLogger,
  ) {
    this.ws.on('close', () => (this.held.length = 0));
  }

  /** Takes every frame of the socket (a one-way stream's server side). */
  start(): void {
    this.ws.on('message', (data, isBinary) => this.take(data as Buffer, isBinary));
    // A socket error ends in 'close'; nothing to answer.
    this.ws.on('error', (err) => this.log.info({ reason: err.message }, 'peer stream error'));
  }

  rebind(token: string): void {
    this.authorization = `Bearer ${token}`;
  }

  /** One call frame. */
  take(data: Buffer, isBinary: boolean): void {
    if (!isBinary) return this.ws.close(1003, 'binary frames only');
    if (this.open >= LIMITS.streamCallsInFlightMax) this.held.push(data);
    else this.onFrame(data);
  }

  private onFrame(data: Buffer): void {
    const split = splitFrame(data);
    const head = split ? StreamRequestHeaderSchema.safeParse(split.header) : undefined;
    if (!split || !head?.success) return this.ws.close(1002, 'a frame must start with a header line {"id":N,"path":"/v1/..."} (or a compact call header)');
    const compact = isCompactFrame(data);
    this.open++;
    if (this.open >= LIMITS.streamCallsInFlightMax && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
    void this.dispatch(head.data.path, split.body).then(({ status, body, retryAfterMs, close }) => {
      this.open--;
      const next = this.held.shift();
      if (next && this.ws.readyState === this.ws.OPEN) this.onFrame(next);
      if (this.paused && this.open + this.held.length < LIMITS.streamCallsInFlightMax / 2) {
        this.paused = false;
        this.ws.resume();
      }
      const header: StreamReplyHeader = { id: head.data.id, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(buildFrame(header, body, compact), { binary: true });
      if (close) this.ws.close(1008, 'unauthorized');
    });
  }

  private async dispatch(path: string, raw: Buffer): Promise<{ status: number; body: string; retryAfterMs?: number; close?: boolean }> {
    let unauthorized = false;
    try {
      // Trust holds only while the token does: a peer removed or suspended meanwhile is refused.
      const who = this.engine.authenticate(this.authorization);
      if ('error' in who) {
        unauthorized = true;
        throw who.error;
      }
      if (!(STREAM_PATHS as readonly string[]).includes(path)) throw new NmError('NM_ERR_NOT_FOUND', `no stream call ${JSON.stringify(path.slice(0, 64))}; the stream carries ${STREAM_PATHS.join(', ')}`);
      const route = FLOOD_CALLS[path as StreamPath];
      const limit = route.bodyLimit(this.limits);
      if (raw.length > limit) throw new NmError('NM_ERR_TOO_LARGE', `body is larger than the limit of ${limit} bytes for ${path}`);
      if (!isUtf8(raw)) throw new NmError('NM_ERR_BAD_JSON', 'body is not valid UTF-8');
      const parsed = route.schema.safeParse(parseJsonBody(raw.toString('utf8')));
      if (!parsed.success) {
        const p = zodProblem(parsed.error);
        throw new NmError('NM_ERR_VALIDATION', `${p.field}: ${p.reason}`, p.field);
      }
      const wait = this.engine.limiter.take(who.peer, route.articles(parsed.data));
      if (wait > 0) {
        const s = Math.ceil(wait / 1000);
        return { ...errorBody(new NmError('NM_ERR_RATE_LIMIT', `too many requests from this peer; retry in ${s} s`)), retryAfterMs: s * 1000 };
      }
      return { status: 200, body: JSON.stringify(await route.handle(this.engine, who.peer, parsed.data)) };
    } catch (err) {
      const nm = toNmError(err);
      if (!nm) {
        this.log.error({ err, path }, 'peer stream call failed');
        // As the HTTP listener's error handler answers a bug.
        return { status: 500, body: JSON.stringify({ error: { code: 'NM_ERR_INTERNAL', message: 'internal error (a bug): see the node log' } }) };
      }
      return { ...errorBody(nm), ...(nm.statusCode === 503 ? { retryAfterMs: 1000 } : {}), close: unauthorized };
    }
  }
}

export function errorBody(err: NmError, status = err.statusCode): { status: number; body: string } {
  return { status, body: JSON.stringify({ error: { code: err.code, message: err.message } }) };
}

/**
 * Serves the calls a peer makes back on a two-way stream this node dialled: the bind's token
 * must be one this node gave (an active peer) and belong to the same peer as the token the
 * stream was dialled with, so a server cannot speak for another peer, nor a peer through
 * another's stream.
 */
export function streamCallServer(engine: FloodEngine, limits: BodyLimits, log: FastifyBaseLogger): CallServer {
  return {
    maxFrameBytes: streamMaxPayload(limits),
    refusal(token, dialToken) {
      const who = engine.authenticate(`Bearer ${token}`);
      if ('error' in who) return errorBody(who.error);
      const out = engine.tokenOutOf(who.peer);
      if (!out || !sameToken(dialToken, out)) return errorBody(new NmError('NM_ERR_FORBIDDEN', 'the bind token belongs to another peer than the one this stream was dialled to'));
      return null;
    },
    session: (ws, token) => new StreamSession(ws, `Bearer ${token}`, engine, limits, log.child({ duplex: true })),
  };
}
