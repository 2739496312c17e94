/**
 * Local JSON API for peers: `GET/POST /api/peers`, `DELETE /api/peers/NAME` and the added
 * `POST /api/peers/NAME/approve` (accepts a pending request under --accept-peers approve).
 * The PeerService (gossip) does the work; POST answers after the handshake.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AddPeerSchema, PeerInfoSchema, PeerNameParamsSchema, PeerStateSchema } from '../../protocol/api';
import type { PeerService } from '../feature-services';

export interface PeersRoutesOptions {
  peers: PeerService;
}

export const peersRoutes: FastifyPluginAsyncZod<PeersRoutesOptions> = async (app, { peers }) => {
  app.get('/api/peers', { schema: { response: { 200: z.array(PeerInfoSchema) } } }, () => peers.list());

  app.post(
    '/api/peers',
    { schema: { body: AddPeerSchema, response: { 201: z.object({ name: z.string(), url: z.string(), state: PeerStateSchema }) } } },
    async (req, reply) => reply.code(201).send(await peers.add(req.body)),
  );

  app.delete('/api/peers/:name', { schema: { params: PeerNameParamsSchema } }, async (req, reply) => {
    await peers.remove(req.params.name);
    return reply.code(204).send();
  });

  app.post('/api/peers/:name/approve', { schema: { params: PeerNameParamsSchema } }, async (req, reply) => {
    await peers.approve(req.params.name);
    return reply.code(204).send();
  });
};
