/**
 * Who may change things through the web listener. On loopback (the default) the owner is
 * whoever can reach the port. A non-loopback --web must come with --web-password, and with a
 * password every request but reading (GET/HEAD) needs it, pages and JSON API alike: HTTP
 * Basic with any user name (what browsers prompt for), or `Authorization: Bearer PASSWORD`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { BaseApp } from '../node/http/base-app';
import { isLoopback, type NodeConfig } from '../node/config';
import { NmError } from '../node/errors';

/** Throws when the web listener would be reachable from elsewhere without a password. */
export function checkWebAccess(config: Pick<NodeConfig, 'web' | 'webPassword'>): void {
  if (!isLoopback(config.web.host) && !config.webPassword) {
    throw new NmError(
      'NM_ERR_VALIDATION',
      `--web ${config.web.host}:${config.web.port} is not a loopback address, so anyone who reaches it could post, peer and mirror: ` +
        'set --web-password (or NEWSMESH_WEB_PASSWORD), or bind --web to 127.0.0.1',
      'web-password',
    );
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The password a request carries, if any. */
export function presentedPassword(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const space = authorization.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = authorization.slice(0, space);
  const value = authorization.slice(space + 1).trim();
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/** Adds the root-level hook; root hooks reach every route of the web listener. */
export function requirePasswordForWrites(app: BaseApp, password: string): void {
  const expected = digest(password);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const given = presentedPassword(request.headers.authorization);
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    reply.header('www-authenticate', 'Basic realm="newsmesh", charset="UTF-8"');
    throw new NmError('NM_ERR_UNAUTHORIZED', 'this node needs its web password for changes (HTTP Basic, any user name)');
  });
}
