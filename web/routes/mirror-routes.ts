/**
 * `/mirrors`: start a mirror job (peer, group, follow) and watch the jobs' progress.
 * `/mirrors.json` feeds the optional live-progress script; the page works without it.
 * Works against the MirrorService interface and says "not available" while there is none.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { MirrorJobInfoSchema } from '../../protocol/api';
import { isNmError, NmError } from '../../node/errors';
import { FormBodySchema, MirrorFormSchema, mirrorFromForm, type MirrorForm } from '../forms';
import { sendPage, type PageDeps } from '../page';

export const mirrorRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  async function page(reply: FastifyReply, form: MirrorForm, error?: string, status = 200) {
    const mirrors = deps.service.mirrors;
    const jobs = mirrors ? await mirrors.list() : [];
    const peerNames = deps.service.peers ? (await deps.service.peers.list()).map((p) => p.name) : [];
    const anyRunning = jobs.some((j) => j.state === 'running');
    return sendPage(deps, reply, 'mirrors.njk', { nav: 'mirrors', available: mirrors !== null, jobs, anyRunning, peerNames, form, error, csrf: reply.generateCsrf() }, status);
  }

  app.get('/mirrors', async (_req, reply) => page(reply, { peer: '', group: '', follow: '' }));

  app.get('/mirrors.json', { schema: { response: { 200: z.array(MirrorJobInfoSchema) } } }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return deps.service.mirrors ? deps.service.mirrors.list() : [];
  });

  app.post('/mirrors', { schema: { body: FormBodySchema }, preValidation: app.csrfProtection }, async (req, reply) => {
    const form = MirrorFormSchema.parse(req.body);
    const mirrors = deps.service.mirrors;
    if (!mirrors) throw new NmError('NM_ERR_NOT_FOUND', 'mirroring is not available on this node');
    const checked = mirrorFromForm(form);
    if (!checked.ok) return page(reply, form, checked.error, 400);
    try {
      await mirrors.start(checked.value);
    } catch (err) {
      if (!isNmError(err)) throw err;
      return page(reply, form, err.message, err.statusCode);
    }
    return reply.code(303).header('location', '/mirrors').send();
  });
};
