/**
 * The peer stream's server side: `GET /v1/stream` upgrades to a WebSocket for a peer that
 * presents its bearer token (checked before the upgrade, as on the HTTP routes: 401/403, no
 * socket kept). Each binary frame is one flood-fill call, served by a StreamSession
 * (stream-session.ts: schema, body limit, rate limit, calls in flight, token checked again per
 * frame). Bounds here: ws `maxPayload` (one TAKETHIS batch) and streamsPerPeerMax streams per
 * peer (a newer one closes the oldest). The upgrade answer says `x-newsmesh-frames: compact`;
 * a client that asks `x-newsmesh-duplex: 1` gets it back and a two-way stream: the transport
 * adopts the socket and this node's calls to that peer ride it (stream-transport.ts). The
 * routes also give the transport the CallServer for the calls peers make back on streams this
 * node dialled.
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { LIMITS } from '../../protocol/limits';
import { COMPACT_FRAMES_HEADER, COMPACT_FRAMES_VALUE, DUPLEX_HEADER, DUPLEX_VALUE } from '../../protocol/stream-frames';
import type { StreamTransport } from '../net/stream-transport';
import { bearerToken } from './peer-auth';
import type { FloodEngine } from './flood-calls';
import { streamCallServer, streamMaxPayload, StreamSession } from './stream-session';

export interface StreamRoutesOptions {
  engine: FloodEngine;
  /** The node's stream transport: two-way streams are handed to it. */
  streams: StreamTransport;
}

export const streamPeerRoutes: FastifyPluginAsync<StreamRoutesOptions> = async (app, { engine, streams }) => {
  await app.register(websocket, { options: { maxPayload: streamMaxPayload(app.bodyLimits), perMessageDeflate: false } });
  const duplexAsked = (req: IncomingMessage) => streams.init.duplex && req.headers[DUPLEX_HEADER] === DUPLEX_VALUE;
  // Told in the 101 answer: a new client then sends compact frames, an older one never looks.
  app.websocketServer.on('headers', (headers: string[], req: IncomingMessage) => {
    headers.push(`${COMPACT_FRAMES_HEADER}: ${COMPACT_FRAMES_VALUE}`);
    if (duplexAsked(req)) headers.push(`${DUPLEX_HEADER}: ${DUPLEX_VALUE}`);
  });
  streams.calls = streamCallServer(engine, app.bodyLimits, app.log.child({ component: 'peer-stream' }));
  const byPeer = new Map<string, Set<WebSocket>>();

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
      const mine = byPeer.get(who.peer) ?? new Set<WebSocket>();
      byPeer.set(who.peer, mine);
      for (const old of mine) {
        if (mine.size < LIMITS.streamsPerPeerMax) break;
        old.close(1008, 'replaced by a newer stream of this peer');
        mine.delete(old);
      }
      mine.add(socket);
      socket.on('close', () => {
        mine.delete(socket);
        if (mine.size === 0 && byPeer.get(who.peer) === mine) byPeer.delete(who.peer);
      });
      const session = new StreamSession(socket, req.headers.authorization, engine, app.bodyLimits, req.log);
      const url = engine.urlOf(who.peer);
      const token = bearerToken(req.headers.authorization);
      if (duplexAsked(req.raw) && url && token) streams.adopt(who.peer, url, token, () => engine.tokenOutOf(who.peer), socket, session);
      else {
        streams.served(socket);
        session.start();
      }
    },
  );
};

