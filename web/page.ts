/**
 * What every page route needs (the node service, the compiled views, the clock) and the one
 * way a page is answered: rendered HTML, never cached (pages carry CSRF tokens and change
 * with every post). Routes reach the node only through NodeService.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../node/clock';
import type { NodeService } from '../node/service';
import type { Views } from './views';

export interface PageDeps {
  service: NodeService;
  views: Views;
  clock: Clock;
  /** Rendered group pages kept (0 turns the cache off: benchmarks of the uncached path). */
  groupPageCache?: number;
}

/** Cookie that remembers the last `from` a person posted with. */
export const FROM_COOKIE = 'nm_from';
const YEAR_S = 365 * 24 * 3600;

export function renderPage(deps: PageDeps, template: string, context: Record<string, unknown>): string {
  return deps.views.render(template, { site: { name: deps.service.name }, ...context });
}

export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

export function sendPage(deps: PageDeps, reply: FastifyReply, template: string, context: Record<string, unknown>, status = 200): FastifyReply {
  return sendHtml(reply, renderPage(deps, template, context), status);
}

export function rememberedFrom(request: FastifyRequest): string {
  return request.cookies?.[FROM_COOKIE] ?? '';
}

export function rememberFrom(reply: FastifyReply, from: string): void {
  reply.setCookie(FROM_COOKIE, from, { path: '/', httpOnly: true, sameSite: 'lax', maxAge: YEAR_S });
}
