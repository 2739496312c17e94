/**
 * Schemas of the local JSON API (the Contract's "Local JSON API"): request bodies, query
 * strings and response shapes. Route types follow from these via z.infer.
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { BodySchema, FromSchema, HeadersSchema, NewsgroupsSchema, ReferencesSchema, SubjectSchema } from './article';
import { normalizeGroupName, UserGroupNameSchema } from './group-name';
import { MessageIdSchema } from './message-id';
import { WILDMAT_MAX_CHARS } from './wildmat';

/**
 * `newsgroups` may be an array or a comma-separated string (added convenience); names are a
 * person's input, so they are lowercased first (group-name.ts).
 */
const NewsgroupsInputSchema = z.preprocess((v) => {
  const list = typeof v === 'string' ? v.split(',').filter((s) => s.trim().length > 0) : v;
  return Array.isArray(list) ? list.map((g) => (typeof g === 'string' ? normalizeGroupName(g) : g)) : list;
}, NewsgroupsSchema);

export const NewPostSchema = z.strictObject({
  newsgroups: NewsgroupsInputSchema,
  from: FromSchema,
  subject: SubjectSchema,
  body: BodySchema,
  references: ReferencesSchema.optional(),
  headers: HeadersSchema.optional(),
});
export type NewPost = z.infer<typeof NewPostSchema>;

/** `cancelKey`: the RFC 8315 Cancel-Key of the post, given back only to its poster (protocol/cancel-lock.ts). */
export const PostResultSchema = z.object({ id: z.string(), cancelKey: z.string().optional() });

export const GroupParamsSchema = z.object({ group: UserGroupNameSchema });
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

/** Most groups one answer of `GET /api/groups` or `GET /v1/groups` lists; also the page size without `limit`. */
export const GROUPS_PAGE_MAX = 5_000;

/**
 * `?after=NAME&limit=N` paging over group names (name order): the answer stays the array it
 * was, and lists the groups named after NAME; a full page means there may be more (ask again
 * with `after` = its last name). Unknown parameters are ignored, as before paging.
 */
export const GroupListQuerySchema = z.object({
  after: z.string().max(LIMITS.groupNameMaxBytes, `must be at most ${LIMITS.groupNameMaxBytes} characters`).optional(),
  limit: intFromQuery(1, GROUPS_PAGE_MAX, GROUPS_PAGE_MAX),
});
export type GroupListQuery = z.infer<typeof GroupListQuerySchema>;

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

/** `GET /api/groups/GROUP/threads` (added): `before` is the `lastN` of the previous page's last thread. */
export const ThreadListQuerySchema = z.strictObject({
  limit: intFromQuery(1, LIMITS.indexPageMax, 50),
  before: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
});

/** One thread of a group: its root, how many of its articles are here, its latest activity. */
export const ThreadInfoSchema = z.object({
  root: z.string(),
  subject: z.string(),
  from: z.string(),
  date: z.string(),
  articles: z.number(),
  hasRoot: z.boolean().optional(),
  lastN: z.number(),
  lastDate: z.string(),
});
export type ThreadInfo = z.infer<typeof ThreadInfoSchema>;

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
  /** Added: queue entries dropped since the node started because the queue was over --max-queue (the oldest go first). */
  dropped: z.number().optional(),
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
  /** Added: bodies this node asked the peer for that it did not deliver in time, and the priority its offers get for that. */
  unfulfilled: z.number().optional(),
  priority: z.enum(['normal', 'low']).optional(),
  /** Added: the peer's Ed25519 key (base64url) and its fingerprint; absent until a hello proved one. */
  key: z.string().optional(),
  fingerprint: z.string().optional(),
});
export type PeerInfo = z.infer<typeof PeerInfoSchema>;

/** `GET /api/node`: who this node is (key: Ed25519 public key, base64url; fingerprint: what pages show). */
export const NodeInfoSchema = z.object({
  name: z.string(),
  fingerprint: z.string(),
  key: z.string(),
  peerUrl: z.string(),
  webUrl: z.string(),
  nntpUrl: z.string().optional(),
});
export type NodeInfo = z.infer<typeof NodeInfoSchema>;

/**
 * Who signed an article, as this node knows them (`GET /api/articles/ID`'s `signedBy`, null
 * when unsigned). Every stored signature was verified when the article was first accepted.
 */
export const SignedBySchema = z.object({
  fingerprint: z.string(),
  /** The signer's node name, when the key is this node's own or one of its peers'. */
  name: z.string().optional(),
  /** The key is one of this node's peers'. */
  peer: z.boolean(),
  /** The key is this node's own (its owner posted or imported the article here). */
  self: z.boolean(),
});
export type SignedBy = z.infer<typeof SignedBySchema>;

export const AddPeerSchema = z.strictObject({
  url: z.string().max(2048).url('url must be an absolute http(s) URL'),
  groups: z.string().max(WILDMAT_MAX_CHARS).optional(),
  /** nntp:// peers: the server's name as it writes it in Path (default: from its greeting). */
  name: z.string().min(1).max(64).optional(),
  /** nntp:// peers: the local address the feed connects from (servers such as INN know peers by address). */
  sourceAddress: z.ipv4().or(z.ipv6()).optional(),
});
export type AddPeer = z.infer<typeof AddPeerSchema>;

export const PeerNameParamsSchema = z.object({ name: z.string().min(1).max(64) });

// ---- mirrors -------------------------------------------------------------------------

/** `cancelled`: stopped by the owner (DELETE /api/mirrors/ID); the job is removed as well. */
export const MirrorStateSchema = z.enum(['running', 'done', 'failed', 'cancelled']);

/** Most sources one swarm mirror job reads from. */
export const MIRROR_SOURCES_MAX = 16;

const MirrorPeerSchema = z.string().min(1).max(2048);

/**
 * `peer` (one source, the contract's form) or `peers` (one or more sources: a swarm mirror
 * takes the union of their indexes and fetches bodies from all of them at once), not both.
 */
export const StartMirrorSchema = z
  .strictObject({
    peer: MirrorPeerSchema.optional(),
    peers: z
      .array(MirrorPeerSchema)
      .min(1, 'peers: give at least one peer URL or name')
      .max(MIRROR_SOURCES_MAX, `peers: at most ${MIRROR_SOURCES_MAX} sources`)
      .refine((a) => new Set(a).size === a.length, 'peers: each source at most once')
      .optional(),
    group: UserGroupNameSchema,
    follow: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.peer === undefined && v.peers === undefined) ctx.addIssue({ code: 'custom', path: ['peer'], message: 'peer: give a peer URL or name (or peers: a list of them)' });
    if (v.peer !== undefined && v.peers !== undefined) ctx.addIssue({ code: 'custom', path: ['peers'], message: 'peers: give either peer or peers, not both' });
  });
export type StartMirror = z.infer<typeof StartMirrorSchema>;

/** The sources of a start request, in the order given. */
export function mirrorSources(req: Pick<StartMirror, 'peer' | 'peers'>): string[] {
  return req.peers ?? (req.peer !== undefined ? [req.peer] : []);
}

/** One source of a mirror job as `GET /api/mirrors` shows it. */
export const MirrorSourceViewSchema = z.object({
  url: z.string(),
  /** Articles this source delivered (swarm jobs), or the job's held count (one source). */
  done: z.number(),
  /** Articles per second it delivered lately. */
  rate: z.number(),
  /** `active`, `waiting` (rate-limited or backing off), `finished` (index walked), `failed`. */
  state: z.enum(['active', 'waiting', 'finished', 'failed']),
  error: z.string().optional(),
});
export type MirrorSourceView = z.infer<typeof MirrorSourceViewSchema>;

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
  /** Per source progress (added with swarm mirroring). */
  sources: z.array(MirrorSourceViewSchema).optional(),
});
export type MirrorJobInfo = z.infer<typeof MirrorJobInfoSchema>;
