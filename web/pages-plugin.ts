/**
 * The pages as one encapsulated fastify plugin: form bodies, cookies, CSRF and the static
 * files are registered here only, so the JSON API keeps its own behaviour. Every page route
 * that changes something checks the form's CSRF token (added here if a route forgot it) and
 * is marked as a form for the owner guard (node/http/owner-guard.ts). Errors on pages answer
 * an HTML page with the right status instead of the API's JSON.
 */
import type { FastifyPluginAsync } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import csrf from '@fastify/csrf-protection';
import fastifyStatic from '@fastify/static';
import { toNmError } from '../node/http/error-handler';
import { READ_METHODS } from '../node/http/owner-guard';
import type { ErrorCode } from '../node/errors';
import { sendPage, type PageDeps } from './page';
import { articleRoutes } from './routes/article-routes';
import { feedRoutes } from './routes/feed-routes';
import { mirrorRoutes } from './routes/mirror-routes';
import { newThreadRoutes } from './routes/new-thread-routes';
import { peerRoutes } from './routes/peer-routes';
import { readRoutes } from './routes/read-routes';
import { readingPageRoutes } from './routes/reading-routes';
import { takedownPageRoutes } from './routes/takedown-routes';

export interface PagesOptions extends PageDeps {
  staticDir: string;
  /** Body limit of a posted form (an article's text, url-encoded). */
  formBodyLimit: number;
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  NM_ERR_NOT_FOUND: 'Not found',
  NM_ERR_CSRF: 'This form has expired',
  NM_ERR_VALIDATION: 'That address is not right',
  NM_ERR_UNAUTHORIZED: 'Password needed',
  NM_ERR_RATE_LIMIT: 'Too many tries',
  NM_ERR_HOST: 'Wrong address for this node',
  NM_ERR_CROSS_SITE: 'Refused: sent from another site',
};

export const pagesPlugin: FastifyPluginAsync<PagesOptions> = async (app, opts) => {
  const deps: PageDeps = { service: opts.service, views: opts.views, clock: opts.clock, groupPageCache: opts.groupPageCache };
  await app.register(cookie);
  await app.register(formbody);
  await app.register(csrf, { cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: false } });
  await app.register(fastifyStatic, { root: opts.staticDir, prefix: '/static/', index: false, maxAge: 3_600_000 });

  app.addHook('onRoute', (route) => {
    if ([route.method].flat().every((m) => READ_METHODS.has(m))) return;
    const checks = [route.preValidation ?? []].flat();
    if (!checks.includes(app.csrfProtection)) route.preValidation = [app.csrfProtection, ...checks];
    route.config = { ...route.config, csrfForm: true };
    route.bodyLimit ??= opts.formBodyLimit;
  });

  app.setErrorHandler((err: unknown, request, reply) => {
    const nm = toNmError(err, request);
    if (!nm) {
      request.log.error({ err }, 'unexpected error on a page');
      return sendPage(deps, reply, 'error.njk', { title: 'Something went wrong', message: 'This is a bug in newsmesh; the node log has the details.' }, 500);
    }
    request.log.info({ code: nm.code, reason: nm.message }, 'page refused');
    const message =
      nm.code === 'NM_ERR_CSRF' ? 'The form was missing its security token or it was out of date. Go back, reload the page and send it again; your text is still in the form.' : nm.message;
    return sendPage(deps, reply, 'error.njk', { title: TITLES[nm.code] ?? 'Request refused', message }, nm.statusCode);
  });

  for (const routes of [readRoutes, newThreadRoutes, articleRoutes, feedRoutes, peerRoutes, mirrorRoutes, takedownPageRoutes]) await app.register(routes, deps);
  await app.register(readingPageRoutes, { ...deps, staticDir: opts.staticDir });
};
