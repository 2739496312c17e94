/**
 * The one place where errors become HTTP answers (STYLE.md section 4): NmError keeps its code
 * and status; fastify's own 4xx (bad JSON, size, media type) and zod validation failures are
 * mapped to NM_ERR_* codes; anything else is a bug, logged at error level, answered 500.
 */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CODES, isNmError, NmError, type ErrorCode } from '../errors';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'NM_ERR_BAD_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'NM_ERR_BAD_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'NM_ERR_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'NM_ERR_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'NM_ERR_BAD_JSON',
  FST_ERR_RATE_LIMIT: 'NM_ERR_RATE_LIMIT',
};

/** Maps any thrown value to a typed error (the `field: rule` form for validation). */
export function toNmError(err: unknown): NmError | null {
  if (isNmError(err)) return err;
  const fe = err as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const v = fe.validation[0];
    const where = [fe.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.');
    return new NmError('NM_ERR_VALIDATION', `${where}: ${v.message}`, where);
  }
  if (fe?.code && FASTIFY_CODES[fe.code]) return new NmError(FASTIFY_CODES[fe.code], fe.message);
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
    const nm = toNmError(err);
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
