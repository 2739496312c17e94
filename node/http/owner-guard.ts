/**
 * The web listener serves its owner's browser only. Three checks, on every request before
 * anything else runs, all on the routed request (never the raw URL, whose encoding varies):
 * the Host must be one this node answers to (a DNS-rebinding page sends its own name); a
 * request that changes something must not come from another site (Origin, Sec-Fetch-Site);
 * and it must be a JSON request, which a page on another site cannot send without a CORS
 * preflight that is never granted, unless its route is a page form that checks a CSRF token.
 */
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { NmError } from '../errors';
import type { BaseApp } from './base-app';
import { describeType, isJsonType } from './json-body';

export interface OwnerGuardOptions {
  /** The --web host. */
  webHost: string;
  /** --web-host NAME[:PORT] entries: names (a reverse proxy's public name) answered too. */
  extraHosts: readonly string[];
  /** The port the listener is bound to (known once listening). */
  boundPort(): number | undefined;
}

/** Methods that only read: every other one (POST, PUT, PATCH, DELETE, ...) changes state. */
export const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/;

/** Host header -> name and port (undefined: none given), or null when malformed. */
function parseHost(value: string): { name: string; port: number | undefined } | null {
  const m = HOST.exec(value.toLowerCase());
  return m ? { name: m[1], port: m[2] === undefined ? undefined : Number(m[2]) } : null;
}

/**
 * Whether a Host names this listener. A name must be "localhost", the --web host or a
 * --web-host entry, never one resolved through someone else's DNS. An IP literal is safe
 * whatever its value: a browser sends one only when the page's own URL holds it, so the page
 * is same-origin with this node and no rebinding is possible.
 */
export function hostAllowed(value: string | undefined, opts: OwnerGuardOptions): boolean {
  if (!value) return false;
  const host = parseHost(value);
  if (!host) return false;
  for (const entry of opts.extraHosts) {
    const e = parseHost(entry);
    if (e && e.name === host.name && (e.port === undefined || e.port === (host.port ?? 80))) return true;
  }
  if ((host.port ?? 80) !== opts.boundPort()) return false;
  const bare = host.name.replace(/^\[|\]$/g, '');
  return host.name === 'localhost' || isIP(bare) !== 0 || bare === opts.webHost.toLowerCase();
}

const withoutDefaultPort = (h: string) => h.toLowerCase().replace(/:(?:80|443)$/, '');

/**
 * The refusal for a request from another site, or null when it is the owner's own. A page
 * cannot set either header. Sec-Fetch-Site is the browser's own verdict; Origin is checked
 * too, for browsers without it. "null" is what a sandboxed or file page sends, but also what
 * Chrome sends for a same-origin form under Referrer-Policy no-referrer: only Sec-Fetch-Site
 * tells them apart.
 */
function crossSite(request: FastifyRequest): string | null {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is ${JSON.stringify(site)}`;
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  if (origin === 'null') return site === 'same-origin' ? null : 'Origin is "null" (a sandboxed or file page)';
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `Origin ${JSON.stringify(origin)} is not a URL`;
  }
  if (withoutDefaultPort(originHost) !== withoutDefaultPort(request.headers.host ?? '')) return `Origin ${JSON.stringify(origin)} is another site`;
  return null;
}

/** Adds the checks as the first onRequest hook of the web listener (root level: every route). */
export function guardOwner(app: BaseApp, opts: OwnerGuardOptions): void {
  app.addHook('onRequest', async (request) => {
    if (!hostAllowed(request.headers.host, opts)) {
      throw new NmError(
        'NM_ERR_HOST',
        `this node's web listener does not answer to the host ${JSON.stringify(request.headers.host ?? '')}: open it at its own address ` +
          '(127.0.0.1 or localhost and its port), or start the node with --web-host NAME for a public name',
        'host',
      );
    }
    if (READ_METHODS.has(request.method)) return;
    const why = crossSite(request);
    if (why) throw new NmError('NM_ERR_CROSS_SITE', `${why}: changes are taken only from this node's own pages and local clients`);
    // Unrouted requests go on to a 404; page forms check their CSRF token in preValidation.
    if (request.routeOptions.url === undefined || request.routeOptions.config.csrfForm) return;
    if (!isJsonType(request.headers['content-type'])) {
      throw new NmError(
        'NM_ERR_MEDIA_TYPE',
        `content-type must be application/json, got ${describeType(request.headers['content-type'])}: ` +
          `${request.method} ${request.routeOptions.url} changes this node, and changes come as JSON requests, even without a body`,
      );
    }
  });
}
