/**
 * The peer protocol's handshake and flood-fill routes on the peer listener: `POST
 * /v1/challenge`, `POST /v1/hello` (rate limited per client address, with back-off),
 * `POST /v1/ihave`, `POST /v1/takethis`. Bodies are validated by the protocol/ schemas;
 * ihave and takethis need the bearer token from hello (401 without, 403 while pending) and
 * are rate limited per peer (429 with Retry-After: the peer slows down, it is not dropped).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChallengeReplySchema, ChallengeRequestSchema, HelloReplySchema, HelloSchema, IhaveReplySchema, IhaveSchema, TakethisReplySchema, TakethisSchema } from '../../protocol/peer-messages';
import { NmError } from '../errors';
import type { GossipEngine } from './gossip-engine';

/** A hello is a few hundred bytes (three URLs and a wildmat at most); batches are sized by app.bodyLimits. */
const HELLO_MAX_BYTES = 16 * 1024;
const CHALLENGE_MAX_BYTES = 1024;

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
  // Before the body is read: an address that floods the handshake is slowed down, then shut out for longer.
  const perAddress = async (req: { ip: string }, reply: { header(k: string, v: string): unknown }) => {
    const wait = engine.helloLimiter.take(req.ip);
    if (wait > 0) tooMany(reply, wait, 'handshakes from this address');
  };
  // Hellos of newsmesh from before node keys: say so, rather than list six missing fields.
  const keyless = async (req: { body: unknown }) => {
    const b = req.body;
    if (b !== null && typeof b === 'object' && !Array.isArray(b) && !('key' in b)) {
      throw new NmError('NM_ERR_KEY_PROOF', 'key: this node only peers with nodes that prove a node key (POST /v1/challenge, then a signed hello); a hello without a key comes from a newsmesh too old to peer with it');
    }
  };

  app.post(
    '/v1/challenge',
    { onRequest: perAddress, bodyLimit: CHALLENGE_MAX_BYTES, schema: { body: ChallengeRequestSchema.nullish(), response: { 200: ChallengeReplySchema } } },
    async (req) => engine.handleChallenge(req.body ?? undefined),
  );

  app.post(
    '/v1/hello',
    { onRequest: perAddress, preValidation: keyless, bodyLimit: HELLO_MAX_BYTES, schema: { body: HelloSchema, response: { 200: HelloReplySchema } } },
    (req) => engine.handleHello(req.body, { authorization: req.headers.authorization, host: req.headers.host, protocol: req.protocol }),
  );

  // Authenticate before the body is parsed, so a stranger's megabytes are not read.
  const authenticate = async (req: { headers: { authorization?: string }; peerName?: string }) => {
    const who = engine.authenticate(req.headers.authorization);
    if ('error' in who) throw who.error;
    req.peerName = who.peer;
  };

  app.post(
    '/v1/ihave',
    { onRequest: authenticate, bodyLimit: app.bodyLimits.ids, schema: { body: IhaveSchema, response: { 200: IhaveReplySchema } } },
    async (req, reply) => {
      const peer = req.peerName!;
      const wait = engine.limiter.take(peer, 0);
      if (wait > 0) return tooMany(reply, wait);
      return engine.receiver.ihave(peer, req.body.ids);
    },
  );

  app.post(
    '/v1/takethis',
    { onRequest: authenticate, bodyLimit: app.bodyLimits.takethis, schema: { body: TakethisSchema, response: { 200: TakethisReplySchema } } },
    async (req, reply) => {
      const peer = req.peerName!;
      const wait = engine.limiter.take(peer, req.body.articles.length);
      if (wait > 0) return tooMany(reply, wait);
      return { results: await engine.receiver.takethis(peer, req.body.articles) };
    },
  );
};

function tooMany(reply: { header(k: string, v: string): unknown }, waitMs: number, what = 'requests from this peer'): never {
  reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
  throw new NmError('NM_ERR_RATE_LIMIT', `too many ${what}; retry in ${Math.ceil(waitMs / 1000)} s`);
}
