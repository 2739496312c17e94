/**
 * Schemas of the reading features of the local JSON API: full-text search
 * (`GET /api/search`), what is new per group (`GET /api/unread`, `GET /api/unread/GROUP`,
 * `POST /api/unread/GROUP`) and the search index's state. Pure: no I/O.
 */
import { z } from 'zod';
import { GroupNameSchema } from './group-name';

export const SEARCH_LIMITS = {
  /** Longest query string taken (characters). */
  queryMaxChars: 200,
  /** Most words of a query that count (the rest are ignored). */
  queryMaxTerms: 8,
  /** Results a page may ask for. */
  pageMax: 100,
  pageDefault: 20,
  /** Deepest offset into the results (best or newest first). */
  offsetMax: 1000,
} as const;

export const SearchSortSchema = z.enum(['best', 'new']);
export type SearchSort = z.infer<typeof SearchSortSchema>;

const intFromQuery = (min: number, max: number, def: number) =>
  z.coerce.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(def);

export const SearchQuerySchema = z.strictObject({
  q: z.string().max(SEARCH_LIMITS.queryMaxChars, `q must be at most ${SEARCH_LIMITS.queryMaxChars} characters`),
  group: GroupNameSchema.optional(),
  limit: intFromQuery(1, SEARCH_LIMITS.pageMax, SEARCH_LIMITS.pageDefault),
  offset: intFromQuery(0, SEARCH_LIMITS.offsetMax, 0),
  sort: SearchSortSchema.default('best'),
});
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

/** One hit: `group` and `n` are where the article is numbered first; `snippet` is plain text. */
export const SearchHitSchema = z.object({
  id: z.string(),
  group: z.string(),
  n: z.number(),
  subject: z.string(),
  from: z.string(),
  date: z.string(),
  snippet: z.string(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchIndexStatusSchema = z.object({
  /** Articles in the index. */
  docs: z.number(),
  /** Accepted articles not indexed yet (the index catches up in the background). */
  pending: z.number(),
  /** Whether the saved index has been loaded after start. */
  ready: z.boolean(),
  lastSavedAt: z.string().nullable(),
});
export type SearchIndexStatus = z.infer<typeof SearchIndexStatusSchema>;

/** What is new in one group for the node's owner (`.newsrc`-like). */
export const UnreadGroupSchema = z.object({
  group: z.string(),
  unread: z.number(),
  /** Every article numbered up to this one has been read. */
  readUpTo: z.number(),
  high: z.number(),
});
export type UnreadGroup = z.infer<typeof UnreadGroupSchema>;

export const UnreadThreadSchema = z.object({
  root: z.string(),
  subject: z.string(),
  from: z.string(),
  articles: z.number(),
  lastN: z.number(),
  lastDate: z.string(),
  unread: z.boolean(),
});
export type UnreadThread = z.infer<typeof UnreadThreadSchema>;

export const UnreadThreadsQuerySchema = z.strictObject({
  limit: intFromQuery(1, 200, 50),
  before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  /** `true` lists only threads with unread articles (what `newsmesh threads GROUP --new` shows). */
  new: z.enum(['true', 'false']).default('false'),
});

/** `POST /api/unread/GROUP`: mark read up to `upTo` (default: everything there is now). */
export const MarkReadSchema = z.strictObject({ upTo: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() });
export type MarkRead = z.infer<typeof MarkReadSchema>;

export const GroupOnlyParamsSchema = z.object({ group: GroupNameSchema });
