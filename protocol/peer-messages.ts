/**
 * Peer protocol, version 1 (the Contract's "Peer protocol"): message schemas for challenge,
 * hello, ihave, takethis, sendme and the group index. Articles inside takethis/sendme are
 * checked one by one with validateArticle, so a single bad one does not sink its batch.
 * The key-proof fields and their signed bytes are in hello-proof.ts.
 */
import { z } from 'zod';
import { NodeKeySchema, RandomTokenSchema, SignatureSchema } from './hello-proof';
import { LIMITS } from './limits';
import { MessageIdSchema } from './message-id';
import { NodeNameSchema } from './node-name';
import { WILDMAT_MAX_CHARS } from './wildmat';

export const PROTOCOL_VERSION = 1;

export const PeerUrlSchema = z
  .string()
  .max(2048)
  .url('url must be an absolute http(s) URL')
  .refine((u) => /^https?:\/\//.test(u), 'url must start with http:// or https://');

/** Added: `POST /v1/challenge`, the first step of the handshake (body optional). */
export const ChallengeRequestSchema = z.object({
  /** Random bytes the answering node signs, so the caller knows its key before the hello. */
  nonce: RandomTokenSchema.optional(),
});
export type ChallengeRequest = z.infer<typeof ChallengeRequestSchema>;

export const ChallengeReplySchema = z.object({
  /** Fresh, single use, expires in a minute or two: the caller signs it in its hello. */
  challenge: RandomTokenSchema,
  name: NodeNameSchema,
  version: z.number().int(),
  key: NodeKeySchema,
  /** Over challengeProofBytes; present when the request carried a nonce. */
  sig: SignatureSchema.optional(),
});
export type ChallengeReply = z.infer<typeof ChallengeReplySchema>;

export const HelloSchema = z.object({
  name: NodeNameSchema,
  url: PeerUrlSchema,
  version: z.number().int(),
  /** Added to the contract: the bearer token the answering node should use when it calls back. */
  token: z.string().min(16).max(LIMITS.peerTokenMaxBytes).optional(),
  /** Added: the wildmat of groups the greeting node exchanges over this link (default all). */
  groups: z.string().max(WILDMAT_MAX_CHARS).optional(),
  /** Added (key proof): the caller's Ed25519 public key. */
  key: NodeKeySchema,
  /** The answering node's challenge from POST /v1/challenge. */
  challenge: RandomTokenSchema,
  /** The caller's clock, ms since the epoch. */
  time: z.number().int('time must be whole milliseconds since the epoch').min(0).max(8.64e15, 'time must be a date (ms since the epoch)'),
  /** The answering node's URL as the caller dialled it. */
  to: PeerUrlSchema,
  /** Random bytes the answering node signs in its reply. */
  nonce: RandomTokenSchema,
  /** Over helloProofBytes, with the key above. */
  sig: SignatureSchema,
});
export type Hello = z.infer<typeof HelloSchema>;

export const HelloReplySchema = z.object({
  name: NodeNameSchema,
  version: z.number().int(),
  token: z.string(),
  /** Added: `pending` when the answering node approves peers by hand. */
  state: z.enum(['up', 'pending']).optional(),
  /** Added (key proof): the answering node's key and its signature over helloReplyProofBytes. */
  key: NodeKeySchema,
  sig: SignatureSchema,
});
export type HelloReply = z.infer<typeof HelloReplySchema>;

const IdBatchSchema = z
  .array(MessageIdSchema)
  .min(1, 'ids must not be empty')
  .max(LIMITS.idsPerBatchMax, `ids takes at most ${LIMITS.idsPerBatchMax} ids`);

export const IhaveSchema = z.object({ ids: IdBatchSchema });
export type Ihave = z.infer<typeof IhaveSchema>;

export const IhaveReplySchema = z.object({ sendme: z.array(z.string()), later: z.array(z.string()) });
export type IhaveReply = z.infer<typeof IhaveReplySchema>;

/** Articles stay `unknown` here: each is validated on its own by validateArticle. */
export const ArticleBatchSchema = z
  .array(z.unknown())
  .min(1, 'articles must not be empty')
  .max(LIMITS.articlesPerBatchMax, `articles takes at most ${LIMITS.articlesPerBatchMax} articles`);

export const TakethisSchema = z.object({ articles: ArticleBatchSchema });

export const ResultStatusSchema = z.enum(['accepted', 'duplicate', 'rejected']);
export type ResultStatus = z.infer<typeof ResultStatusSchema>;

export const ArticleResultSchema = z.object({
  id: z.string(),
  status: ResultStatusSchema,
  reason: z.string().optional(),
  /** Added: a stable code for some refusals (`NM_ERR_BAD_SIGNATURE`: the signature does not verify). */
  code: z.string().max(64).optional(),
});
export type ArticleResult = z.infer<typeof ArticleResultSchema>;

export const TakethisReplySchema = z.object({ results: z.array(ArticleResultSchema) });

export const SendmeSchema = z.object({ ids: IdBatchSchema });
export const SendmeReplySchema = z.object({ articles: z.array(z.unknown()) });

export const PeerGroupSchema = z.object({ name: z.string(), count: z.number(), low: z.number(), high: z.number() });
export const PeerGroupsReplySchema = z.array(PeerGroupSchema);

export const IndexReplySchema = z.object({
  entries: z.array(z.object({ n: z.number().int(), id: z.string() })),
  high: z.number().int(),
});
export type IndexReply = z.infer<typeof IndexReplySchema>;
