/**
 * Every user-facing error code of newsmesh, with its HTTP status, in one map (cf. fastify's
 * lib/errors.js). Routes throw NmError; one error handler turns it into
 * `{ error: { code, message } }`. Every code is documented in docs/errors.md (a test checks).
 */
export const ERROR_CODES = {
  NM_ERR_VALIDATION: 400,
  NM_ERR_BAD_JSON: 400,
  NM_ERR_TOO_DEEP: 400,
  NM_ERR_CSRF: 403,
  NM_ERR_UNAUTHORIZED: 401,
  NM_ERR_FORBIDDEN: 403,
  NM_ERR_HOST: 403,
  NM_ERR_CROSS_SITE: 403,
  NM_ERR_NOT_FOUND: 404,
  NM_ERR_GONE: 410,
  NM_ERR_BLOCK_LIMIT: 409,
  NM_ERR_DUPLICATE: 409,
  NM_ERR_REJECTED: 422,
  NM_ERR_BAD_SIGNATURE: 422,
  NM_ERR_PEER_EXISTS: 409,
  NM_ERR_PEER_UNREACHABLE: 422,
  NM_ERR_PEER_REFUSED: 422,
  NM_ERR_KEY_PROOF: 401,
  NM_ERR_PEER_LIMIT: 403,
  NM_ERR_TIMEOUT: 408,
  NM_ERR_TOO_LARGE: 413,
  NM_ERR_MEDIA_TYPE: 415,
  NM_ERR_RATE_LIMIT: 429,
  NM_ERR_HEADERS_TOO_LARGE: 431,
  NM_ERR_NOT_ALLOWED: 405,
  NM_ERR_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A typed, expected error: a user or peer mistake, not a bug. */
export class NmError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'NmError';
    this.statusCode = ERROR_CODES[code];
  }
}

export const isNmError = (e: unknown): e is NmError => e instanceof NmError;

/** Shorthands for the common cases. */
export const validationError = (field: string, rule: string) => new NmError('NM_ERR_VALIDATION', `${field}: ${rule}`, field);
export const notFound = (what: string) => new NmError('NM_ERR_NOT_FOUND', `${what} not found`);
