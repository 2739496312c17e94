/**
 * The one place where errors become HTTP answers (STYLE.md section 4): NmError keeps its code
 * and status; fastify's own 4xx (bad JSON, size, media type) and zod validation failures are
 * mapped to NM_ERR_* codes, and so are its refusals before routing and at the socket (a path
 * that does not decode, headers too large or too slow); anything else is a bug, logged at
 * error level, answered 500.
 */
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { fieldLabel } from '../../protocol/article';
import { ERROR_CODES, isNmError, NmError, type ErrorCode } from '../errors';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'NM_ERR_BAD_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'NM_ERR_BAD_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'NM_ERR_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'NM_ERR_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'NM_ERR_BAD_JSON',
  FST_ERR_RATE_LIMIT: 'NM_ERR_RATE_LIMIT',
};

/** Sentences for fastify's own refusals, which say what went wrong but not what to send. */
const FASTIFY_MESSAGES: Record<string, (e: FastifyError, request?: FastifyRequest) => string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (e) =>
    /prototype property/.test(e.message)
      ? `body: the key "${/constructor/.test(e.message) ? 'constructor' : '__proto__'}" is not allowed in JSON (prototype poisoning)`
      : `body is not valid JSON: ${e.message}`,
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'body is empty but content-type is application/json; send a JSON object',
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, request) =>
    request?.routeOptions.url
      ? `body is larger than the limit of ${request.routeOptions.bodyLimit} bytes for ${request.method} ${request.routeOptions.url}`
      : 'body is larger than the limit of this route',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'content-type is not supported here; send application/json',
};

/**
 * Maps any thrown value to a typed error (the `field: rule` form for validation); the request,
 * when given, lets a size refusal name its route's limit.
 */
export function toNmError(err: unknown, request?: FastifyRequest): NmError | null {
  if (isNmError(err)) return err;
  const fe = err as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const v = fe.validation[0];
    // The field as the person wrote it (`newsgroups`, not `body.newsgroups.0`); the context alone when the whole body or query is wrong.
    const segments = v.instancePath.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const where = segments.length > 0 && typeof segments[0] === 'string' ? fieldLabel(segments) : (fe.validationContext ?? 'body');
    // A bad record key (a header name) keeps its rule in the inner issue, not in "Invalid key".
    const inner = v.keyword === 'invalid_key' ? (v.params as { issues?: { message?: string }[] }).issues?.[0]?.message : undefined;
    return new NmError('NM_ERR_VALIDATION', `${where}: ${inner ?? v.message}`, where);
  }
  if (fe?.code && FASTIFY_CODES[fe.code]) return new NmError(FASTIFY_CODES[fe.code], FASTIFY_MESSAGES[fe.code]?.(fe, request) ?? fe.message);
  if (fe instanceof SyntaxError) return new NmError('NM_ERR_BAD_JSON', `body is not valid JSON: ${fe.message}`);
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = (Object.keys(ERROR_CODES) as ErrorCode[]).find((c) => ERROR_CODES[c] === fe.statusCode) ?? 'NM_ERR_VALIDATION';
    return new NmError(code, fe.message);
  }
  return null;
}

export function sendError(reply: FastifyReply, err: NmError): FastifyReply {
  // 503: the node cannot write now (its store); a client may try again shortly.
  if (err.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
  return reply.code(err.statusCode).type('application/json').send({ error: { code: err.code, message: err.message } });
}

/** A request's path for a message: without the query, cut short (it may be kilobytes). */
function shortPath(url: string): string {
  const path = url.split('?')[0];
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** The refusal of a request no route takes. */
export const noRoute = (request: FastifyRequest): NmError => new NmError('NM_ERR_NOT_FOUND', `no route ${request.method} ${shortPath(request.url)}`);

/**
 * fastify's refusals before any route is found (its `frameworkErrors` option): a path that does
 * not percent-decode, or a path parameter longer than the router takes. Without this they are
 * answered in fastify's own shape, not ours.
 */
export function frameworkErrors(maxParamLength: number) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const shown = JSON.stringify(shortPath(request.url));
    const nm =
      err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new NmError('NM_ERR_VALIDATION', `path: a part of the path ${shown} is longer than ${maxParamLength} characters`, 'path')
        : new NmError('NM_ERR_VALIDATION', `path: ${shown} is not a valid URL path (a "%" must start an escape of two hex digits that decodes as UTF-8)`, 'path');
    request.log.info({ code: nm.code, reason: nm.message }, 'request refused');
    sendError(reply, nm);
  };
}

/**
 * Refusals at the socket, before fastify has a request (its `clientErrorHandler` option):
 * headers that are too large or too slow, or bytes that are not HTTP. Answered in our shape,
 * then the connection is closed (fastify's default answers in its own shape, without saying
 * it closes, so a keep-alive client may send its next request into the closing socket).
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const nm =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new NmError('NM_ERR_TIMEOUT', 'request: not received in time (too slow to send its headers or its body)')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new NmError('NM_ERR_HEADERS_TOO_LARGE', `request: its line and headers are larger than ${maxHeaderSize} bytes`)
        : new NmError('NM_ERR_VALIDATION', `request: not valid HTTP/1.1 (${err.code ?? 'malformed'})`, 'request');
  this.log.debug({ err, code: nm.code }, 'client error');
  if (socket.writable) {
    // An answer to HEAD has no body (a client reads one as garbage); the request line is in the bytes that failed, when they are its start.
    const raw = (err as { rawPacket?: unknown }).rawPacket;
    const head = Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
    const body = head ? '' : JSON.stringify({ error: { code: nm.code, message: nm.message } });
    socket.write(
      `HTTP/1.1 ${nm.statusCode} ${STATUS_CODES[nm.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

async function errorHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const nm = toNmError(err, request);
    if (nm) {
      request.log.info({ code: nm.code, reason: nm.message }, 'request refused');
      return sendError(reply, nm);
    }
    request.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ error: { code: 'NM_ERR_INTERNAL', message: 'internal error (a bug): see the node log' } });
  });
  app.setNotFoundHandler(answerNotFound);
}

/**
 * Unknown paths outside the JSON API answer an HTML page when the web pages have set a
 * renderer (a root decoration under this symbol); /api/, /v1/ and /healthz keep JSON.
 */
export const PAGE_NOT_FOUND = Symbol.for('newsmesh.pageNotFound');

/** The one answer to a path no route takes: an HTML page where pages are, JSON elsewhere. */
export function answerNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return pageNotFound(request)?.(request, reply) ?? sendError(reply, noRoute(request));
}
export type PageNotFound = (request: FastifyRequest, reply: FastifyReply) => FastifyReply;

/** The path part of a URL, percent-decoded where it decodes (the router matches decoded paths). */
function decodedPath(url: string): string {
  const path = url.split('?')[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function pageNotFound(request: FastifyRequest): PageNotFound | undefined {
  // The JSON API, the peer protocol, /healthz and the pages' .json endpoints keep JSON errors.
  if (/^\/(?:api|v1)(?:\/|$)|^\/healthz$|\.json$/.test(decodedPath(request.url))) return undefined;
  return (request.server as unknown as Record<symbol, PageNotFound | undefined>)[PAGE_NOT_FOUND];
}

export const errorHandlerPlugin = fp(errorHandler, { name: 'newsmesh-error-handler', fastify: '5.x' });
