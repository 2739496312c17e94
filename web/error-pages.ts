/**
 * HTML error pages for page paths: unknown paths on the web listener answer a 404 page
 * (the root not-found handler asks for it through PAGE_NOT_FOUND), while /api/ and /v1/
 * keep their JSON errors. Errors inside page routes (400, 403, 500) are rendered by the
 * pages plugin's error handler with the same template.
 */
import type { BaseApp } from '../node/http/base-app';
import { PAGE_NOT_FOUND, type PageNotFound } from '../node/http/error-handler';
import { sendPage, type PageDeps } from './page';

export function registerErrorPages(app: BaseApp, deps: PageDeps): void {
  const notFound: PageNotFound = (request, reply) =>
    sendPage(deps, reply, 'error.njk', { title: 'Page not found', message: `There is no page at ${request.url.split('?')[0]} on this node.` }, 404);
  app.decorate(PAGE_NOT_FOUND, notFound);
}
