/**
 * Archive reading on the peer protocol (mirroring): the group index query, and the additions
 * this node makes to the contract's shapes. Added fields: `count` in the index reply (the
 * peer's article count, the mirror's `total`) and `more` in the SENDME reply (ids held but
 * left out to keep the answer under LIMITS.sendmeReplyBytes; ask for them again).
 */
import { z } from 'zod';
import { LIMITS } from './limits';
import { ArticleBatchSchema, IndexReplySchema, SendmeReplySchema } from './peer-messages';
import { MirrorJobInfoSchema, pageQuerySchema } from './api';

export const IndexQuerySchema = pageQuerySchema(LIMITS.indexPageMax);
export type IndexQuery = z.infer<typeof IndexQuerySchema>;

export const ArchiveIndexReplySchema = IndexReplySchema.extend({ count: z.number().int().optional() });
export type ArchiveIndexReply = z.infer<typeof ArchiveIndexReplySchema>;

export const ArchiveSendmeReplySchema = SendmeReplySchema.extend({ more: z.array(z.string()).optional() });
export type ArchiveSendmeReply = z.infer<typeof ArchiveSendmeReplySchema>;

/** One invalid article a mirror skipped, with its reason. */
export const MirrorRejectionSchema = z.object({ id: z.string(), reason: z.string() });

/** `GET /api/mirrors` row: the contract's fields plus these additions. */
export const MirrorJobViewSchema = MirrorJobInfoSchema.extend({
  /** Articles of the archive refused as invalid (skipped). */
  rejected: z.number().optional(),
  /** The latest few of those, with their reasons. */
  rejections: z.array(MirrorRejectionSchema).optional(),
  /** The resolved peer URL when `peer` was a name. */
  url: z.string().optional(),
});
export type MirrorJobView = z.infer<typeof MirrorJobViewSchema>;

/** `POST /api/import`: one batch of article objects, each validated on its own. */
export const ImportBatchSchema = z.strictObject({ articles: ArticleBatchSchema });

export const ImportResultSchema = z.object({
  added: z.number(),
  present: z.number(),
  rejected: z.number(),
  /** One line per rejected article: its id (when it has one) and why. */
  problems: z.array(MirrorRejectionSchema),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

export const ExportQuerySchema = z.strictObject({ format: z.enum(['mbox', 'jsonl']).default('mbox') });
