/**
 * `/g/GROUP/new`: the new-thread form, and its POST. Posting to a group that does not exist
 * yet creates it (ingest numbers the first article of any group it has not seen).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GroupParamsSchema } from '../../protocol/api';
import { FormBodySchema, readPostForm } from '../forms';
import { rememberedFrom, rememberFrom, sendPage, type PageDeps } from '../page';
import { articleUrl } from '../views';
import { postForm } from './post-outcome';

export const newThreadRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  app.get('/g/:group/new', { schema: { params: GroupParamsSchema } }, async (req, reply) => {
    const form = { from: rememberedFrom(req), subject: '', body: '', references: '' };
    return sendPage(deps, reply, 'new-thread.njk', { nav: 'groups', group: req.params.group, form, csrf: reply.generateCsrf() });
  });

  app.post(
    '/g/:group/new',
    { schema: { params: GroupParamsSchema, body: FormBodySchema }, preValidation: app.csrfProtection },
    async (req, reply) => {
      // A new thread has no parent, whatever a tampered form says.
      const form = { ...readPostForm(req.body), references: '' };
      const outcome = await postForm(deps.service, [req.params.group], form);
      if (outcome.ok) {
        rememberFrom(reply, form.from.trim());
        return reply.code(303).header('location', articleUrl(outcome.id)).send();
      }
      const ctx = { nav: 'groups', group: req.params.group, form, error: outcome.error, csrf: reply.generateCsrf() };
      return sendPage(deps, reply, 'new-thread.njk', ctx, outcome.status);
    },
  );
};
