/**
 * Takedown pages: the buttons of the one-article view (`POST /a/ID/remove` with a reason, the
 * owner's removal on this node; `POST /a/ID/cancel`, the author's cancel of an article posted
 * from this node), `/removals` (what was taken down here and why) and `/posted` (the articles
 * posted from this node with their Cancel-Keys, the owner-side list). Forms carry the CSRF
 * token; success answers 303, a bad reason 400 with the reason shown.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ArticleParamsSchema } from '../../protocol/api';
import { RemovalsQuerySchema, RemoveRequestSchema } from '../../protocol/takedown';
import { NmError } from '../../node/errors';
import type { Features } from '../../node/feature-services';

/** The web sees the takedown part through the feature registry's face, never its module. */
type TakedownService = Features['takedown'];
import { FormBodySchema } from '../forms';
import { sendPage, type PageDeps } from '../page';

const PAGE = 50;
const RemoveFormSchema = z.object({ reason: z.string().optional() });

export const takedownPageRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  function takedown(): TakedownService {
    const t = deps.service.takedown;
    if (!t) throw new NmError('NM_ERR_NOT_FOUND', 'takedown is not available on this node');
    return t;
  }

  app.post('/a/:id/remove', { schema: { params: ArticleParamsSchema, body: FormBodySchema }, preValidation: app.csrfProtection }, async (req, reply) => {
    const form = RemoveFormSchema.parse(req.body);
    const checked = RemoveRequestSchema.safeParse({ reason: form.reason ?? '' });
    if (!checked.success) {
      return sendPage(deps, reply, 'removals.njk', { nav: 'removals', removals: [], next: null, error: checked.error.issues[0]?.message ?? 'reason: required', target: req.params.id, csrf: reply.generateCsrf() }, 400);
    }
    await takedown().remove(req.params.id, checked.data.reason);
    return reply.code(303).header('location', '/removals').send();
  });

  app.post('/a/:id/cancel', { schema: { params: ArticleParamsSchema, body: FormBodySchema }, preValidation: app.csrfProtection }, async (req, reply) => {
    const t = takedown();
    const stored = await deps.service.getStored(req.params.id);
    if (!t.postedHere(stored.article)) throw new NmError('NM_ERR_FORBIDDEN', 'this article was not posted from this node: only its poster can cancel it (newsmesh cancel ID --key KEY)');
    await t.cancel(req.params.id);
    return reply.code(303).header('location', '/posted').send();
  });

  app.get('/removals', { schema: { querystring: RemovalsQuerySchema } }, async (req, reply) => {
    const page = await takedown().removals(Math.min(req.query.limit, PAGE), req.query.before);
    return sendPage(deps, reply, 'removals.njk', { nav: 'removals', removals: page.rows, next: page.next, csrf: reply.generateCsrf() });
  });

  app.get('/posted', { schema: { querystring: RemovalsQuerySchema } }, async (req, reply) => {
    const page = await takedown().posted(Math.min(req.query.limit, PAGE), req.query.before);
    return sendPage(deps, reply, 'posted.njk', { nav: 'removals', posted: page.rows, next: page.next, csrf: reply.generateCsrf() });
  });
};
