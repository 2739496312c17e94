/**
 * The web listener's security headers (CSP, frame, sniffing, referrer ...), decided once. They
 * are helmet's, but @fastify/helmet builds helmet's whole middleware (CSP parsing included) on
 * every request, which cost about 5 % of a `POST /api/articles` (measured, docs/benchmarks.md);
 * with a fixed configuration the headers never change, so helmet runs once at start against a
 * recording response and each reply gets the recorded set.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Runs helmet once and returns the headers it sets (it only sets and removes headers). */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}

/** Adds helmet's headers for `options` to every reply of the app (and its child plugins). */
export const securityHeaders = fp(
  async (app: FastifyInstance, options: Readonly<HelmetOptions>) => {
    const headers = helmetHeaders(options);
    app.addHook('onRequest', (_req, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'newsmesh-security-headers', fastify: '5.x' },
);
