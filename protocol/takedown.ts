/**
 * Local API shapes of takedown (issue 12): the owner's removal of an article, the removals
 * list, cancels sent through this node and the owner's list of articles posted from it.
 * Pure: schemas only.
 */
import { z } from 'zod';
import { CancelKeySchema } from './cancel-lock';

export const REMOVAL_REASON_MAX_CHARS = 500;
export const REMOVALS_PAGE_MAX = 500;

const reasonText = z
  .string()
  .trim()
  .min(1, 'reason must not be empty')
  .max(REMOVAL_REASON_MAX_CHARS, `reason must be at most ${REMOVAL_REASON_MAX_CHARS} characters`)
  .refine((s) => !/[\x00-\x08\x0b-\x1f\x7f]/.test(s), 'reason must not contain control characters');

/** `DELETE /api/articles/ID` body. */
export const RemoveRequestSchema = z.strictObject({ reason: reasonText });
export type RemoveRequest = z.infer<typeof RemoveRequestSchema>;

export const RemovalBySchema = z.enum(['owner', 'cancel', 'expiry']);

/** A row of `GET /api/removals` (and the answer of a removal). */
export const RemovalSchema = z.object({
  id: z.string(),
  reason: z.string(),
  /** ISO 8601. */
  at: z.string(),
  by: RemovalBySchema,
  groups: z.array(z.string()).optional(),
  subject: z.string().optional(),
});
export type Removal = z.infer<typeof RemovalSchema>;

/** `GET /api/removals?limit=N&before=CURSOR`: newest first; `before` is the `next` of the previous page. */
export const RemovalsQuerySchema = z.object({
  limit: z.coerce.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(REMOVALS_PAGE_MAX, `limit must be at most ${REMOVALS_PAGE_MAX}`).default(100),
  before: z.string().max(400, 'before must be at most 400 characters').regex(/^[A-Za-z0-9_-]*$/, 'before must be the cursor a previous page gave').optional(),
});

/** `POST /api/articles/ID/cancel` body: the key the post answered; without it, this node's own key (articles posted here). */
export const CancelPostSchema = z.strictObject({ key: CancelKeySchema.optional() });

/** The answer of a cancel: the cancel article's id, and whether the key opens the target's lock here. */
export const CancelResultSchema = z.object({
  id: z.string(),
  target: z.string(),
  /** `removed`: held here and the key matched; `ignored`: held and the key does not match; `pending`: not held here. */
  here: z.enum(['removed', 'ignored', 'pending']),
});
export type CancelResult = z.infer<typeof CancelResultSchema>;

/** A row of the owner's list of articles posted from this node. */
export const PostedSchema = z.object({ id: z.string(), subject: z.string(), newsgroups: z.array(z.string()), at: z.string(), cancelKey: z.string(), gone: z.boolean() });
export type Posted = z.infer<typeof PostedSchema>;
