/**
 * `/peers`: add a peer by address (field `url`, optional `groups` wildmat), the list with
 * each link's state, health and key fingerprint (and this node's own, to read to the other
 * owner), approve pending requests and remove. Works against the PeerService interface and
 * says "not available" while the node has none.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { PeerNameParamsSchema } from '../../protocol/api';
import { isNmError, NmError } from '../../node/errors';
import type { PeerService } from '../../node/feature-services';
import { FormBodySchema, PeerFormSchema, peerFromForm, type PeerForm } from '../forms';
import { sendPage, type PageDeps } from '../page';

const noPeering = () => new NmError('NM_ERR_NOT_FOUND', 'peering is not available on this node');

export const peerRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  function peers(): PeerService {
    if (!deps.service.peers) throw noPeering();
    return deps.service.peers;
  }

  async function page(reply: FastifyReply, form: PeerForm, error?: string, status = 200) {
    const service = deps.service.peers;
    const list = service ? await service.list() : [];
    const { name, fingerprint } = deps.service.identity;
    return sendPage(deps, reply, 'peers.njk', { nav: 'peers', available: service !== null, peers: list, me: { name, fingerprint }, form, error, csrf: reply.generateCsrf() }, status);
  }

  app.get('/peers', async (_req, reply) => page(reply, { url: '', groups: '' }));

  app.post('/peers', { schema: { body: FormBodySchema }, preValidation: app.csrfProtection }, async (req, reply) => {
    const form = PeerFormSchema.parse(req.body);
    const checked = peerFromForm(form);
    if (!checked.ok) return page(reply, form, checked.error, 400);
    try {
      await peers().add(checked.value);
    } catch (err) {
      if (!isNmError(err)) throw err;
      return page(reply, form, err.message, err.statusCode);
    }
    return reply.code(303).header('location', '/peers').send();
  });

  const action = (verb: 'remove' | 'approve') =>
    app.post(
      `/peers/:name/${verb}`,
      { schema: { params: PeerNameParamsSchema, body: FormBodySchema.or(z.undefined()) }, preValidation: app.csrfProtection },
      async (req, reply) => {
        await peers()[verb](req.params.name);
        return reply.code(303).header('location', '/peers').send();
      },
    );
  action('remove');
  action('approve');
};
