/**
 * The one place where errors become HTTP answers (STYLE.md section 4): NmError keeps its code
 * and status; fastify's own 4xx (bad JSON, size, media type) and zod validation failures are
 * mapped to NM_ERR_* codes; anything else is a bug, logged at error level, answered 500.
 */
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
  return reply.code(err.statusCode).type('application/json').send({ error: { code: err.code, message: err.message } });
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
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new NmError('NM_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

export const errorHandlerPlugin = fp(errorHandler, { name: 'newsmesh-error-handler', fastify: '5.x' });
