/**
 * Request body limits sized to each route, from the protocol's limits and the node's
 * --max-article-bytes: a small default for everything, and room for exactly one batch where a
 * route takes a batch. Both listeners carry them as the `bodyLimits` decoration, so a route
 * plugin states its limit as `bodyLimit: app.bodyLimits.X` without new options.
 */
import { LIMITS } from '../../protocol/limits';

export interface BodyLimits {
  /** Any route that does not say otherwise: a peer URL, a mirror request, a reason. */
  default: number;
  /** One article as JSON (POST /api/articles). */
  article: number;
  /** A batch of message-ids (IHAVE, SENDME). */
  ids: number;
  /** A TAKETHIS batch. */
  takethis: number;
  /** One `POST /api/import` batch as the CLI sends it. */
  import: number;
  /** A posted page form (urlencoded: up to 3 bytes per byte of text). */
  form: number;
}

/** Room for the envelope around a batch or a form's other fields. */
const SLACK = 16 * 1024;

/**
 * The largest JSON one valid article can take: JSON.stringify writes a control character as
 * `\u00XX` (6 bytes for 1), so the body and free-text fields get 6x; ids, names and paths
 * are printable ASCII where only `"` and `\` double.
 */
export function articleJsonMaxBytes(maxArticleBytes: number): number {
  const text = 6 * (maxArticleBytes + LIMITS.fromMaxChars + LIMITS.subjectMaxChars);
  const ids = (LIMITS.referencesMax + 1) * (2 * LIMITS.messageIdMaxBytes + 3);
  const headers = LIMITS.headersMax * (2 * LIMITS.headerNameMaxBytes + 6 * LIMITS.headerValueMaxChars + 6);
  const names = LIMITS.newsgroupsMax * (LIMITS.groupNameMaxBytes + 3) + LIMITS.pathMax * (2 * LIMITS.nodeNameMaxBytes + 3);
  return text + ids + headers + names + SLACK;
}

export function bodyLimitsFor(maxArticleBytes: number): BodyLimits {
  const article = articleJsonMaxBytes(maxArticleBytes);
  return {
    default: SLACK,
    article,
    ids: LIMITS.idsPerBatchMax * (2 * LIMITS.messageIdMaxBytes + 3) + SLACK,
    // The sender packs up to takethisBatchBytes, or one article alone when it is bigger.
    takethis: LIMITS.takethisBatchBytes + article,
    // `newsmesh import` sends requestMaxBytes / 4 characters of source text per batch (plus
    // the article that crossed it): room for 4x JSON escaping, far more than text needs.
    import: LIMITS.requestMaxBytes + article,
    form: 3 * (maxArticleBytes + LIMITS.fromMaxChars + LIMITS.subjectMaxChars + LIMITS.referencesMax * (LIMITS.messageIdMaxBytes + 1)) + SLACK,
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Body limits of this node's routes (see node/http/body-limits.ts). */
    bodyLimits: BodyLimits;
  }
}
