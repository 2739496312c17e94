/**
 * `/mirrors`: start a mirror job (peer, group, follow), watch the jobs' progress, and cancel
 * or remove a job (`POST /mirrors/ID/cancel`). `/mirrors.json` and the `/mirrors/jobs`
 * fragment feed the live script, which shows new jobs and rates; the page works without it.
 * Works against the MirrorService interface and says "not available" while there is none.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { MirrorJobInfoSchema } from '../../protocol/api';
import { isNmError, NmError } from '../../node/errors';
import { FormBodySchema, MirrorFormSchema, mirrorFromForm, type MirrorForm } from '../forms';
import { renderPage, sendHtml, sendPage, type PageDeps } from '../page';

const JobParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const mirrorRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  const jobs = async () => (deps.service.mirrors ? deps.service.mirrors.list() : []);

  async function page(reply: FastifyReply, form: MirrorForm, error?: string, status = 200) {
    const mirrors = deps.service.mirrors;
    const peerNames = deps.service.peers ? (await deps.service.peers.list()).map((p) => p.name) : [];
    return sendPage(deps, reply, 'mirrors.njk', { nav: 'mirrors', available: mirrors !== null, jobs: await jobs(), peerNames, form, error, csrf: reply.generateCsrf() }, status);
  }

  app.get('/mirrors', async (_req, reply) => page(reply, { peer: '', group: '', follow: '' }));

  app.get('/mirrors.json', { schema: { response: { 200: z.array(MirrorJobInfoSchema) } } }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return jobs();
  });

  app.get('/mirrors/jobs', async (_req, reply) => sendHtml(reply, renderPage(deps, 'mirror-jobs.njk', { jobs: await jobs(), csrf: reply.generateCsrf() })));

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

  app.post('/mirrors/:id/cancel', { schema: { params: JobParamsSchema, body: FormBodySchema }, preValidation: app.csrfProtection }, async (req, reply) => {
    const mirrors = deps.service.mirrors;
    if (!mirrors) throw new NmError('NM_ERR_NOT_FOUND', 'mirroring is not available on this node');
    try {
      await mirrors.cancel(req.params.id);
    } catch (err) {
      // Already gone (another tab, the CLI): the list without it is the answer either way.
      if (!isNmError(err) || err.code !== 'NM_ERR_NOT_FOUND') throw err;
    }
    return reply.code(303).header('location', '/mirrors').send();
  });
};
