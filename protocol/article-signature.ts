/**
 * Signed articles (docs/protocol.md, "Article signatures"): the exact bytes a node signs when
 * it takes an article in from its owner, and the two wire fields that carry the signature.
 * The encoding is length-prefixed like the key proof (hello-proof.ts), opens with its own
 * purpose tag (a hello signature can never pass for an article's), names the signer's key,
 * and lists every field a reader sees but `path`, which each node rewrites. Pure: no crypto.
 */
import { z } from 'zod';
import { NodeKeySchema, SignatureSchema } from './hello-proof';

export const ARTICLE_SIGNATURE_PURPOSE = 'newsmesh/article/v1';

/** The fields an article signature covers (everything a reader sees but `path`). */
export interface SignedArticleFields {
  id: string;
  newsgroups: readonly string[];
  from: string;
  subject: string;
  date: string;
  references: readonly string[];
  headers?: Readonly<Record<string, string>>;
  body: string;
}

/** The two optional wire fields, as ArticleSchema adds them. */
export const ArticleSignatureShape = {
  /** Ed25519 signature (base64url, 64 bytes) over articleSignedBytes. */
  signature: SignatureSchema.optional(),
  /** The signing node's public key (base64url, 32 bytes). */
  signer: NodeKeySchema.optional(),
};

/** Why the signature fields of an article do not go together, or null. */
export function signaturePairProblem(a: { signature?: string; signer?: string }): { field: string; reason: string } | null {
  if (a.signature !== undefined && a.signer === undefined) return { field: 'signer', reason: 'signer is required with a signature (the key that made it)' };
  if (a.signer !== undefined && a.signature === undefined) return { field: 'signature', reason: 'signature is required with a signer' };
  return null;
}

/** Header names in signing order: by UTF-16 code unit, which for header names ([A-Za-z0-9-]) is byte order. */
export function signedHeaderNames(headers: Readonly<Record<string, string>> | undefined): string[] {
  if (!headers) return [];
  const names = Object.keys(headers);
  return names.length > 1 ? names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : names;
}

/**
 * The bytes an article signature covers: each of these, in order, as a 4-byte big-endian
 * length and its UTF-8 bytes: the purpose tag, the signer's key, id, the number of
 * newsgroups (decimal) and each group, from, subject, date, the number of references and
 * each reference, the number of extra headers and each header's name and value (names in
 * byte order), and the body. Counts make every list self-delimiting, so no two articles
 * share bytes.
 */
export function articleSignedBytes(a: SignedArticleFields, signer: string): Buffer {
  const names = signedHeaderNames(a.headers);
  const fields: string[] = [ARTICLE_SIGNATURE_PURPOSE, signer, a.id, String(a.newsgroups.length), ...a.newsgroups, a.from, a.subject, a.date, String(a.references.length), ...a.references, String(names.length)];
  for (const name of names) fields.push(name, a.headers![name]);
  fields.push(a.body);
  return encodeFieldList(fields);
}

/**
 * The length-prefixed encoding of hello-proof.ts's encodeFields (no absent fields here),
 * written straight into one buffer: an article is signed or verified once per node, but a
 * busy node does thousands a second.
 */
export function encodeFieldList(fields: readonly string[]): Buffer {
  let size = 0;
  const lengths = new Array<number>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    lengths[i] = Buffer.byteLength(fields[i], 'utf8');
    size += 4 + lengths[i];
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < fields.length; i++) {
    out.writeUInt32BE(lengths[i], at);
    at += 4;
    at += out.write(fields[i], at, lengths[i], 'utf8');
  }
  return out;
}
