/**
 * `/a/ID`: the whole thread the article belongs to (web/thread-page.ts: nested, paged by
 * size, the current article highlighted, each article with its reply link), or with
 * `?view=article` (and on nodes without the reading part) the one article under the thread's
 * subject tree with its headers. `?reply=1` opens the reply form under the article; POST
 * `/a/ID` posts the reply: 303 to the new article, or 400 with the form as typed and the reason.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { ArticleParamsSchema } from '../../protocol/api';
import { threadRoot, type Article } from '../../protocol/article';
import { isNmError, notFound } from '../../node/errors';
import type { ArticleView } from '../../node/view-types';
import { FormBodySchema, readPostForm, replyReferences, type PostForm } from '../forms';
import { renderPage, rememberedFrom, rememberFrom, sendPage, sendHtml, type PageDeps } from '../page';
import { quoteForReply, replySubject } from '../text';
import { conversationHtml } from '../thread-html';
import { threadPage } from '../thread-page';
import { threadTree } from '../thread-tree';
import { articleUrl } from '../views';
import { postForm } from './post-outcome';
import { signerHtml } from '../signer-html';

const ArticleQuerySchema = z.object({
  view: z.enum(['thread', 'article']).optional(),
  reply: z.enum(['1']).optional(),
});

async function findStored(deps: PageDeps, id: string): Promise<ArticleView | undefined> {
  try {
    return await deps.service.getStored(id);
  } catch (err) {
    if (isNmError(err) && err.code === 'NM_ERR_NOT_FOUND') return undefined;
    throw err;
  }
}

/** The one-article view: the article, its headers and the thread's subject tree. */
async function articleView(deps: PageDeps, id: string, stored: ArticleView | undefined) {
  const article: Article | undefined = stored?.article;
  const root = article ? threadRoot(article) : id;
  const reading = deps.service.reading;
  // With the reading part the tree comes from overview rows, without reading any other body.
  const members = reading
    ? (await reading.threadRows(root)).map((r) => ({ id: r.id, subject: r.subject, from: r.from, date: r.date, references: r.refs, newsgroups: Object.keys(r.nums) }))
    : (await deps.service.thread(root)).articles.map((s) => s.article);
  // An id we lack may still be a thread root whose replies reached us first.
  if (!article && members.length === 0) throw notFound(`article ${id}`);
  if (article && !members.some((m) => m.id === article.id)) members.push(article);
  if (stored && reading) await reading.markRead([stored.nums]);
  return {
    article,
    missingId: article ? undefined : id,
    group: (article ?? members[0]).newsgroups[0],
    tree: threadTree(members),
    acceptedAt: stored ? new Date(stored.at).toISOString() : undefined,
    signerHtml: article ? signerHtml(deps.service.signedBy(article)) : undefined,
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

interface FormState {
  form: PostForm;
  error?: string;
}

export const articleRoutes: FastifyPluginAsyncZod<PageDeps> = async (app, deps) => {
  async function show(reply: FastifyReply, id: string, view: 'thread' | 'article', formState: FormState | undefined, status = 200) {
    const stored = await findStored(deps, id);
    const csrf = reply.generateCsrf();
    const reading = deps.service.reading;
    if (view === 'article' || !reading) {
      const v = await articleView(deps, id, stored);
      const form = formState?.form ?? (v.article ? replyForm(v.article, '') : undefined);
      const takedown = deps.service.takedown;
      const moderation = takedown && v.article ? { postedHere: takedown.postedHere(v.article) } : undefined;
      return sendPage(deps, reply, 'article.njk', { nav: 'groups', ...v, form, error: formState?.error, csrf, threadView: reading !== null, moderation }, status);
    }
    const page = await threadPage(reading, id, stored);
    const formHtml =
      formState && stored
        ? deps.views.render('reply-form.njk', { action: articleUrl(stored.article.id), form: formState.form, csrf, error: formState.error })
        : undefined;
    const conversation = conversationHtml(page.items, {
      currentId: page.current,
      threadSubject: page.subject,
      now: deps.clock.now(),
      replyForm: formHtml ? { id: stored!.article.id, html: formHtml } : undefined,
      signedBy: (signer) => deps.service.signedBy({ signer }),
    });
    return sendHtml(reply, renderPage(deps, 'thread.njk', { nav: 'groups', ...page, conversation }), status);
  }

  app.get('/a/:id', { schema: { params: ArticleParamsSchema, querystring: ArticleQuerySchema } }, async (req, reply) => {
    const view = req.query.view ?? 'thread';
    let formState: FormState | undefined;
    if (req.query.reply || view === 'article' || !deps.service.reading) {
      const stored = await findStored(deps, req.params.id);
      if (stored) formState = { form: replyForm(stored.article, rememberedFrom(req)) };
    }
    return show(reply, req.params.id, view, formState);
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
        return reply.code(303).header('location', `${articleUrl(outcome.id)}#current`).send();
      }
      return show(reply, req.params.id, 'thread', { form, error: outcome.error }, outcome.status);
    },
  );
};
