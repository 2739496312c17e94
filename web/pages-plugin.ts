/**
 * The pages as one encapsulated fastify plugin: form bodies, cookies, CSRF and the static
 * files are registered here only, so the JSON API keeps its own behaviour. Errors on pages
 * answer an HTML page with the right status instead of the API's JSON.
 */
import type { FastifyPluginAsync } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import csrf from '@fastify/csrf-protection';
import fastifyStatic from '@fastify/static';
import { toNmError } from '../node/http/error-handler';
import type { ErrorCode } from '../node/errors';
import { sendPage, type PageDeps } from './page';
import { articleRoutes } from './routes/article-routes';
import { feedRoutes } from './routes/feed-routes';
import { mirrorRoutes } from './routes/mirror-routes';
import { newThreadRoutes } from './routes/new-thread-routes';
import { peerRoutes } from './routes/peer-routes';
import { readRoutes } from './routes/read-routes';
import { readingPageRoutes } from './routes/reading-routes';

export interface PagesOptions extends PageDeps {
  staticDir: string;
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  NM_ERR_NOT_FOUND: 'Not found',
  NM_ERR_CSRF: 'This form has expired',
  NM_ERR_VALIDATION: 'That address is not right',
  NM_ERR_UNAUTHORIZED: 'Password needed',
};

export const pagesPlugin: FastifyPluginAsync<PagesOptions> = async (app, opts) => {
  const deps: PageDeps = { service: opts.service, views: opts.views, clock: opts.clock, groupPageCache: opts.groupPageCache };
  await app.register(cookie);
  await app.register(formbody);
  await app.register(csrf, { cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: false } });
  await app.register(fastifyStatic, { root: opts.staticDir, prefix: '/static/', index: false, maxAge: 3_600_000 });

  app.setErrorHandler((err: unknown, request, reply) => {
    const nm = toNmError(err);
    if (!nm) {
      request.log.error({ err }, 'unexpected error on a page');
      return sendPage(deps, reply, 'error.njk', { title: 'Something went wrong', message: 'This is a bug in newsmesh; the node log has the details.' }, 500);
    }
    request.log.info({ code: nm.code, reason: nm.message }, 'page refused');
    const message =
      nm.code === 'NM_ERR_CSRF' ? 'The form was missing its security token or it was out of date. Go back, reload the page and send it again; your text is still in the form.' : nm.message;
    return sendPage(deps, reply, 'error.njk', { title: TITLES[nm.code] ?? 'Request refused', message }, nm.statusCode);
  });

  for (const routes of [readRoutes, newThreadRoutes, articleRoutes, feedRoutes, peerRoutes, mirrorRoutes]) await app.register(routes, deps);
  await app.register(readingPageRoutes, { ...deps, staticDir: opts.staticDir });
};
