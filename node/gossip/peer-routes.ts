/**
 * The peer protocol's flood-fill routes on the peer listener: `POST /v1/hello`,
 * `POST /v1/ihave`, `POST /v1/takethis`. Bodies are validated by the protocol/ schemas;
 * ihave and takethis need the bearer token from hello (401 without, 403 while pending) and
 * are rate limited per peer (429 with Retry-After: the peer slows down, it is not dropped).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HelloReplySchema, HelloSchema, IhaveReplySchema, IhaveSchema, TakethisReplySchema, TakethisSchema } from '../../protocol/peer-messages';
import { LIMITS } from '../../protocol/limits';
import { NmError } from '../errors';
import type { GossipEngine } from './gossip-engine';

/** A hello is a few hundred bytes; an IHAVE at most 1000 ids of 250 bytes. */
const HELLO_MAX_BYTES = 16 * 1024;
const IHAVE_MAX_BYTES = LIMITS.idsPerBatchMax * (LIMITS.messageIdMaxBytes + 8) + 1024;

export interface GossipRoutesOptions {
  engine: GossipEngine;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated peer of a /v1 flood-fill request. */
    peerName?: string;
  }
}

export const gossipPeerRoutes: FastifyPluginAsyncZod<GossipRoutesOptions> = async (app, { engine }) => {
  app.post('/v1/hello', { bodyLimit: HELLO_MAX_BYTES, schema: { body: HelloSchema, response: { 200: HelloReplySchema } } }, (req) =>
    engine.handleHello(req.body, req.headers.authorization),
  );

  // Authenticate before the body is parsed, so a stranger's megabytes are not read.
  const authenticate = async (req: { headers: { authorization?: string }; peerName?: string }) => {
    const who = engine.authenticate(req.headers.authorization);
    if ('error' in who) throw who.error;
    req.peerName = who.peer;
  };

  app.post(
    '/v1/ihave',
    { onRequest: authenticate, bodyLimit: IHAVE_MAX_BYTES, schema: { body: IhaveSchema, response: { 200: IhaveReplySchema } } },
    async (req, reply) => {
      const peer = req.peerName!;
      const wait = engine.limiter.take(peer, 0);
      if (wait > 0) return tooMany(reply, wait);
      return engine.receiver.ihave(peer, req.body.ids);
    },
  );

  app.post(
    '/v1/takethis',
    { onRequest: authenticate, schema: { body: TakethisSchema, response: { 200: TakethisReplySchema } } },
    async (req, reply) => {
      const peer = req.peerName!;
      const wait = engine.limiter.take(peer, req.body.articles.length);
      if (wait > 0) return tooMany(reply, wait);
      return { results: await engine.receiver.takethis(peer, req.body.articles) };
    },
  );
};

function tooMany(reply: { header(k: string, v: string): unknown }, waitMs: number): never {
  reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
  throw new NmError('NM_ERR_RATE_LIMIT', `too many requests from this peer; retry in ${Math.ceil(waitMs / 1000)} s`);
}
