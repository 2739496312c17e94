/**
 * How request bodies are read on both listeners. JSON is the only type at the root (page
 * forms add theirs in their own plugin), read by our own parser: it refuses bytes that are not
 * UTF-8, scans the raw text for nesting before JSON.parse builds anything, and each refusal
 * says what was wrong (not UTF-8, malformed at which position, empty, too deep, a `__proto__`
 * or `constructor.prototype` key). A hook refuses a body of any other type with 415 before it
 * is read, on every route but the forms, judged by the routed route, never by the URL; a
 * request no route takes is answered 404 before its body is read.
 */
import { isUtf8 } from 'node:buffer';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIMITS } from '../../protocol/limits';
import { NmError } from '../errors';
import { answerNotFound } from './error-handler';
import { firstTooDeep } from './json-depth';

/** Cheap pre-check: a body without these substrings cannot smuggle a prototype key. */
const SUSPECT = /__proto__|constructor|\\u/;

function poisonReviver(this: unknown, key: string, value: unknown): unknown {
  if (key === '__proto__') throw new NmError('NM_ERR_BAD_JSON', 'body: the key "__proto__" is not allowed in JSON (prototype poisoning)', '__proto__');
  if (key === 'constructor' && value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'prototype')) {
    throw new NmError('NM_ERR_BAD_JSON', 'body: the key "constructor" holding a "prototype" is not allowed in JSON (prototype poisoning)', 'constructor');
  }
  return value;
}

/**
 * Parses a JSON body; every failure is an NmError whose message says what to fix. The depth
 * scan comes first: besides the time and memory, the reviver recurses per level.
 */
export function parseJsonBody(text: string, maxDepth: number = LIMITS.jsonMaxDepth): unknown {
  if (text.length === 0) throw new NmError('NM_ERR_BAD_JSON', 'body is empty but content-type is application/json; send a JSON object');
  const deep = firstTooDeep(text, maxDepth);
  if (deep >= 0) throw new NmError('NM_ERR_TOO_DEEP', `body: JSON nesting deeper than ${maxDepth} levels (at offset ${deep})`);
  try {
    return SUSPECT.test(text) ? JSON.parse(text, poisonReviver) : JSON.parse(text);
  } catch (err) {
    if (err instanceof NmError) throw err;
    throw new NmError('NM_ERR_BAD_JSON', `body is not valid JSON: ${(err as Error).message}`);
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A page form route: its preValidation checks the CSRF token (set by the pages plugin). */
    csrfForm?: boolean;
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
export const isJsonType = (type: string | undefined): boolean => type !== undefined && JSON_TYPE.test(type);
export const describeType = (type: string | undefined): string => (type ? JSON.stringify(type.split(';')[0].trim()) : 'none');

function hasBody(request: FastifyRequest): boolean {
  const len = request.headers['content-length'];
  return (len !== undefined && len !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** A route that declares no body, or an optional one: an empty JSON request (a bodiless POST) is fine there. */
function takesNoBody(request: FastifyRequest): boolean {
  const schema = request.routeOptions.schema?.body as { safeParse?: (v: unknown) => { success: boolean } } | undefined;
  return schema === undefined || schema.safeParse?.(undefined).success === true;
}

/** The parser and the media-type guard, installed on the root app (fastify-plugin). */
async function jsonBody(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers();
  // Read as bytes: decoding to a string would quietly turn invalid UTF-8 into U+FFFD, and the
  // node would store (and sign on) text other than what was sent.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0 && takesNoBody(request)) return done(null, undefined);
    try {
      if (!isUtf8(bytes)) throw new NmError('NM_ERR_BAD_JSON', 'body is not valid UTF-8: JSON must be sent as UTF-8 text');
      done(null, parseJsonBody(bytes.toString('utf8')));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url === undefined || request.routeOptions.config.csrfForm || !hasBody(request)) return;
    const type = request.headers['content-type'];
    if (!isJsonType(type)) {
      throw new NmError('NM_ERR_MEDIA_TYPE', `content-type must be application/json, got ${describeType(type)}`);
    }
  });
  // No route takes it: say so before its body is read (not that its JSON is bad); after every
  // onRequest hook, so the web listener's owner guard still answers first.
  app.addHook('preParsing', async (request, reply) => {
    if (request.routeOptions.url !== undefined) return;
    answerNotFound(request, reply);
    return reply;
  });
}

export const jsonBodyPlugin = fp(jsonBody, { name: 'newsmesh-json-body', fastify: '5.x' });
