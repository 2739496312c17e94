/**
 * Schemas of the local JSON API (the Contract's "Local JSON API"): request bodies, query
 * strings and response shapes. Route types follow from these via z.infer.
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { BodySchema, FromSchema, HeadersSchema, NewsgroupsSchema, ReferencesSchema, SubjectSchema } from './article';
import { GroupNameSchema } from './group-name';
import { MessageIdSchema } from './message-id';

/** `newsgroups` may be an array or a comma-separated string (added convenience). */
const NewsgroupsInputSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
  NewsgroupsSchema,
);

export const NewPostSchema = z.strictObject({
  newsgroups: NewsgroupsInputSchema,
  from: FromSchema,
  subject: SubjectSchema,
  body: BodySchema,
  references: ReferencesSchema.optional(),
  headers: HeadersSchema.optional(),
});
export type NewPost = z.infer<typeof NewPostSchema>;

export const PostResultSchema = z.object({ id: z.string() });

export const GroupParamsSchema = z.object({ group: GroupNameSchema });
export const ArticleParamsSchema = z.object({ id: MessageIdSchema });

const intFromQuery = (min: number, max: number, def: number) =>
  z.coerce.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(def);

/** `?after=N&limit=M` paging over article numbers; only the default page size differs by route. */
export const pageQuerySchema = (defaultLimit: number) =>
  z.strictObject({
    after: intFromQuery(0, Number.MAX_SAFE_INTEGER, 0),
    limit: intFromQuery(1, LIMITS.indexPageMax, defaultLimit),
  });

export const ArticleListQuerySchema = pageQuerySchema(LIMITS.listPageDefault);
export type ArticleListQuery = z.infer<typeof ArticleListQuerySchema>;

export const GroupInfoSchema = z.object({
  name: z.string(),
  count: z.number(),
  low: z.number(),
  high: z.number(),
  lastPostAt: z.string().nullable(),
});
export type GroupInfo = z.infer<typeof GroupInfoSchema>;

/** NNTP-style overview line: what a listing needs without the body. */
export const OverviewSchema = z.object({
  n: z.number(),
  id: z.string(),
  subject: z.string(),
  from: z.string(),
  date: z.string(),
  references: z.array(z.string()),
});
export type Overview = z.infer<typeof OverviewSchema>;

export const StatsSchema = z.object({
  name: z.string(),
  articles: z.number(),
  groups: z.number(),
  ihaveReceived: z.number(),
  sendmeSent: z.number(),
  articlesReceived: z.number(),
  articlesAccepted: z.number(),
  articlesDuplicate: z.number(),
  articlesRejected: z.number(),
  ihaveSent: z.number(),
  articlesSent: z.number(),
});
export type Stats = z.infer<typeof StatsSchema>;

export const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// ---- peers (gossip) -------------------------------------------------------------------

export const PeerStateSchema = z.enum(['up', 'down', 'pending']);
export type PeerState = z.infer<typeof PeerStateSchema>;

/** `GET /api/peers` row: the contract's fields first, link health added after. */
export const PeerInfoSchema = z.object({
  name: z.string(),
  url: z.string(),
  state: PeerStateSchema,
  backlog: z.number(),
  lastSeenAt: z.string().nullable(),
  lastError: z.string().nullable(),
  groups: z.string().optional(),
  offered: z.number().optional(),
  sent: z.number().optional(),
  accepted: z.number().optional(),
  duplicate: z.number().optional(),
  rejected: z.number().optional(),
  duplicateRatio: z.number().optional(),
  lagMs: z.number().optional(),
  /** Added: what the peer offered and sent us, watchdog restarts, and whether it waits for our approval. */
  offersReceived: z.number().optional(),
  bodiesReceived: z.number().optional(),
  restarts: z.number().optional(),
  waitingForApproval: z.boolean().optional(),
});
export type PeerInfo = z.infer<typeof PeerInfoSchema>;

export const AddPeerSchema = z.strictObject({
  url: z.string().max(2048).url('url must be an absolute http(s) URL'),
  groups: z.string().max(2048).optional(),
  /** nntp:// peers: the server's name as it writes it in Path (default: from its greeting). */
  name: z.string().min(1).max(64).optional(),
  /** nntp:// peers: the local address the feed connects from (servers such as INN know peers by address). */
  sourceAddress: z.ipv4().or(z.ipv6()).optional(),
});
export type AddPeer = z.infer<typeof AddPeerSchema>;

export const PeerNameParamsSchema = z.object({ name: z.string().min(1).max(64) });

// ---- mirrors -------------------------------------------------------------------------

export const MirrorStateSchema = z.enum(['running', 'done', 'failed']);

export const StartMirrorSchema = z.strictObject({
  peer: z.string().min(1).max(2048),
  group: GroupNameSchema,
  follow: z.boolean().optional(),
});
export type StartMirror = z.infer<typeof StartMirrorSchema>;

export const MirrorJobInfoSchema = z.object({
  id: z.string(),
  peer: z.string(),
  group: z.string(),
  state: MirrorStateSchema,
  done: z.number(),
  total: z.number(),
  error: z.string().optional(),
  follow: z.boolean().optional(),
  rate: z.number().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type MirrorJobInfo = z.infer<typeof MirrorJobInfoSchema>;
