/**
 * `/a/ID`: an article inside its thread (a tree drawn from `references`, the current article
 * highlighted), its headers on demand, and a reply form that quotes it and carries the
 * thread's `references`. POST `/a/ID` posts the reply: 303 to the new article, or 400 with
 * the form as typed and the reason.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ArticleParamsSchema } from '../../protocol/api';
import { threadRoot, type Article } from '../../protocol/article';
import { isNmError, notFound } from '../../node/errors';
import type { StoredArticle } from '../../node/store/records';
import { FormBodySchema, readPostForm, replyReferences, type PostForm } from '../forms';
import { rememberedFrom, rememberFrom, sendPage, type PageDeps } from '../page';
import { quoteForReply, replySubject } from '../text';
import { threadTree } from '../thread-tree';
import { articleUrl } from '../views';
import { postForm } from './post-outcome';

async function findStored(deps: PageDeps, id: string): Promise<StoredArticle | undefined> {
  try {
    return await deps.service.getStored(id);
  } catch (err) {
    if (isNmError(err) && err.code === 'NM_ERR_NOT_FOUND') return undefined;
    throw err;
  }
}

/** Everything the article page shows except the form. */
async function articleView(deps: PageDeps, id: string) {
  const stored = await findStored(deps, id);
  const article: Article | undefined = stored?.article;
  // An id we lack may still be a thread root whose replies reached us first.
  const thread = await deps.service.thread(article ? threadRoot(article) : id);
  const members = thread.articles.map((s) => s.article);
  if (!article && members.length === 0) throw notFound(`article ${id}`);
  if (article && !members.some((m) => m.id === article.id)) members.push(article);
  return {
    article,
    missingId: article ? undefined : id,
    group: (article ?? members[0]).newsgroups[0],
    tree: threadTree(members),
    acceptedAt: stored ? new Date(stored.at).toISOString() : undefined,
    nums: stored?.nums ?? {},
  };
}

function replyForm(article: Article, from: string): PostForm {
  return {
    from,
    subject: replySubject(article.subject),
    body: quoteForReply(article.from, article.body),
    references: replyReferences(article).join(' '),
  };
}

export const articleRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  app.get('/a/:id', { schema: { params: ArticleParamsSchema } }, async (req, reply) => {
    const view = await articleView(deps, req.params.id);
    const form = view.article ? replyForm(view.article, rememberedFrom(req)) : undefined;
    return sendPage(deps, reply, 'article.njk', { nav: 'groups', ...view, form, csrf: reply.generateCsrf() });
  });

  app.post(
    '/a/:id',
    { schema: { params: ArticleParamsSchema, body: FormBodySchema }, preValidation: app.csrfProtection },
    async (req, reply) => {
      const form = readPostForm(req.body);
      const parent = await findStored(deps, req.params.id);
      if (!parent) throw notFound(`article ${req.params.id}`);
      const outcome = await postForm(deps.service, parent.article.newsgroups, form);
      if (outcome.ok) {
        rememberFrom(reply, form.from.trim());
        return reply.code(303).header('location', articleUrl(outcome.id)).send();
      }
      const view = await articleView(deps, req.params.id);
      return sendPage(deps, reply, 'article.njk', { nav: 'groups', ...view, form, error: outcome.error, csrf: reply.generateCsrf() }, outcome.status);
    },
  );
};
