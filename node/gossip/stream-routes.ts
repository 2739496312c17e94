/**
 * The peer stream's server side: `GET /v1/stream` upgrades to a WebSocket for a peer that
 * presents its bearer token (checked before the upgrade, as on the HTTP routes: 401/403, no
 * socket kept). Each binary frame is one flood-fill call (protocol/stream-frames.ts),
 * dispatched through flood-calls.ts to the same schema, body limit, rate limit and receiver
 * as the HTTP route; the answer goes back with the call's id. Bounds: ws `maxPayload` (one
 * TAKETHIS batch), the route's own body limit per frame, at most streamCallsInFlightMax calls
 * unanswered (the socket is paused past it: backpressure, not buffering), streamsPerPeerMax
 * streams per peer (a newer one closes the oldest), and the token is checked again per frame
 * (a peer removed meanwhile is refused and its stream closed). A frame without a valid header
 * line closes the stream (1002): there is no id to answer. The upgrade answer says
 * `x-newsmesh-frames: compact`; each call is answered in the form (JSON header line or
 * compact) it came in, so older clients keep their JSON lines.
 */
import { isUtf8 } from 'node:buffer';
import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { zodProblem } from '../../protocol/article';
import { LIMITS } from '../../protocol/limits';
import { buildFrame, COMPACT_FRAMES_HEADER, COMPACT_FRAMES_VALUE, isCompactFrame, splitFrame, StreamRequestHeaderSchema, STREAM_PATHS, type StreamPath, type StreamReplyHeader } from '../../protocol/stream-frames';
import { NmError } from '../errors';
import type { BodyLimits } from '../http/body-limits';
import { toNmError } from '../http/error-handler';
import { parseJsonBody } from '../http/json-body';
import { FLOOD_CALLS, type FloodEngine } from './flood-calls';

export interface StreamRoutesOptions {
  engine: FloodEngine;
}

/** Largest frame: one TAKETHIS batch and its header line. */
export const streamMaxPayload = (limits: BodyLimits): number => Math.max(limits.takethis, limits.ids) + LIMITS.streamHeaderMaxBytes + 1;

export const streamPeerRoutes: FastifyPluginAsync<StreamRoutesOptions> = async (app, { engine }) => {
  await app.register(websocket, { options: { maxPayload: streamMaxPayload(app.bodyLimits), perMessageDeflate: false } });
  // Told in the 101 answer: a new client then sends compact frames, an older one never looks.
  app.websocketServer.on('headers', (headers: string[]) => headers.push(`${COMPACT_FRAMES_HEADER}: ${COMPACT_FRAMES_VALUE}`));
  const streams = new Map<string, Set<WebSocket>>();

  app.get(
    '/v1/stream',
    {
      websocket: true,
      // Before the upgrade: a stranger gets 401 and never a socket.
      onRequest: async (req) => {
        const who = engine.authenticate(req.headers.authorization);
        if ('error' in who) throw who.error;
      },
    },
    (socket, req) => {
      const who = engine.authenticate(req.headers.authorization);
      if ('error' in who) return socket.close(1008, who.error.message.slice(0, 120));
      const mine = streams.get(who.peer) ?? new Set<WebSocket>();
      streams.set(who.peer, mine);
      for (const old of mine) {
        if (mine.size < LIMITS.streamsPerPeerMax) break;
        old.close(1008, 'replaced by a newer stream of this peer');
        mine.delete(old);
      }
      mine.add(socket);
      socket.on('close', () => {
        mine.delete(socket);
        if (mine.size === 0 && streams.get(who.peer) === mine) streams.delete(who.peer);
      });
      new StreamSession(socket, req.headers.authorization, engine, app.bodyLimits, req.log).start();
    },
  );
};

class StreamSession {
  private open = 0;
  private paused = false;
  /**
   * Frames that came in while streamCallsInFlightMax calls were open: the rest of the socket
   * read that was being parsed when reading paused (bounded by one read), dispatched as calls end.
   */
  private readonly held: Buffer[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly authorization: string | undefined,
    private readonly engine: FloodEngine,
    private readonly limits: BodyLimits,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) return this.ws.close(1003, 'binary frames only');
      if (this.open >= LIMITS.streamCallsInFlightMax) this.held.push(data as Buffer);
      else this.onFrame(data as Buffer);
    });
    this.ws.on('close', () => (this.held.length = 0));
    // A socket error ends in 'close'; nothing to answer.
    this.ws.on('error', (err) => this.log.info({ reason: err.message }, 'peer stream error'));
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

function errorBody(err: NmError, status = err.statusCode): { status: number; body: string } {
  return { status, body: JSON.stringify({ error: { code: err.code, message: err.message } }) };
}
