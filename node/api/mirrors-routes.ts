/**
 * Local JSON API of mirror jobs: start one (202 with its id, after the peer was checked), list
 * them with progress, read one (added: `GET /api/mirrors/:id`) and cancel one (`DELETE
 * /api/mirrors/:id`: stops and removes it, answers the job as it ended). The work is the
 * MirrorService's.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { StartMirrorSchema } from '../../protocol/api';
import { MirrorJobViewSchema } from '../../protocol/archive-messages';
import { notFound } from '../errors';
import type { MirrorService } from '../feature-services';

export interface MirrorsRoutesOptions {
  mirrors: MirrorService;
}

export const mirrorsRoutes: FastifyPluginAsyncZod<MirrorsRoutesOptions> = async (app, { mirrors }) => {
  app.post('/api/mirrors', { schema: { body: StartMirrorSchema, response: { 202: z.object({ id: z.string(), started: z.boolean() }) } } }, async (req, reply) => {
    const started = await mirrors.start(req.body);
    return reply.code(202).send(started);
  });

  app.get('/api/mirrors', { schema: { response: { 200: z.array(MirrorJobViewSchema) } } }, () => mirrors.list());

  const params = z.object({ id: z.string().min(1).max(64) });
  app.get('/api/mirrors/:id', { schema: { params, response: { 200: MirrorJobViewSchema } } }, async (req) => {
    const job = await mirrors.get(req.params.id);
    if (!job) throw notFound(`mirror job ${req.params.id}`);
    return job;
  });

  app.delete('/api/mirrors/:id', { schema: { params, response: { 200: MirrorJobViewSchema } } }, (req) => mirrors.cancel(req.params.id));
};
