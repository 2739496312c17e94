/**
 * How JSON request bodies are read on both listeners: our own application/json parser, so a
 * refusal can say what was wrong (malformed at which position, empty, a `__proto__` or
 * `constructor.prototype` key) where fastify's says only "not valid JSON"; and a hook that
 * refuses non-JSON bodies on /api/ and /v1/ with 415, which also keeps cross-site HTML forms
 * (text/plain, urlencoded) away from the local API.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NmError } from '../errors';

/** Cheap pre-check: a body without these substrings cannot smuggle a prototype key. */
const SUSPECT = /__proto__|constructor|\\u/;

function poisonReviver(this: unknown, key: string, value: unknown): unknown {
  if (key === '__proto__') throw new NmError('NM_ERR_BAD_JSON', 'body: the key "__proto__" is not allowed in JSON (prototype poisoning)', '__proto__');
  if (key === 'constructor' && value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'prototype')) {
    throw new NmError('NM_ERR_BAD_JSON', 'body: the key "constructor" holding a "prototype" is not allowed in JSON (prototype poisoning)', 'constructor');
  }
  return value;
}

/** Parses a JSON body; every failure is an NmError whose message says what to fix. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new NmError('NM_ERR_BAD_JSON', 'body is empty but content-type is application/json; send a JSON object');
  try {
    return SUSPECT.test(text) ? JSON.parse(text, poisonReviver) : JSON.parse(text);
  } catch (err) {
    if (err instanceof NmError) throw err;
    throw new NmError('NM_ERR_BAD_JSON', `body is not valid JSON: ${(err as Error).message}`);
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const GUARDED = /^\/(?:api|v1)\//;

function hasBody(request: FastifyRequest): boolean {
  const len = request.headers['content-length'];
  return (len !== undefined && len !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** The parser and the media-type guard, installed on the root app (fastify-plugin). */
async function jsonBody(app: FastifyInstance, opts: { bodyLimit: number }): Promise<void> {
  const { bodyLimit } = opts;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onRequest', async (request) => {
    if (!GUARDED.test(request.url) || !hasBody(request)) return;
    const type = request.headers['content-type'];
    if (!type || !JSON_TYPE.test(type)) {
      throw new NmError('NM_ERR_MEDIA_TYPE', `content-type must be application/json, got ${type ? JSON.stringify(type.split(';')[0]) : 'none'}`);
    }
  });
}

export const jsonBodyPlugin = fp(jsonBody, { name: 'newsmesh-json-body', fastify: '5.x' });
