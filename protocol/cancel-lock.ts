/**
 * Author cancel (RFC 8315 Cancel-Lock, sha256 only) and the cancel control article (RFC 5537
 * section 5.3). The posting node puts `Cancel-Lock: sha256:<base64 sha256(key)>` on the article
 * and hands the poster the key, `sha256:<base64 HMAC-SHA256(node secret, id)>`: the node can
 * give it back later, nobody else can make it. A cancel is an article in `control.cancel` with
 * `Control: cancel <id>` and the `Cancel-Key`; a node holding the target honours it when the
 * key hashes to one of the target's locks. Pure: hashing only, no I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { messageIdProblem } from './message-id';

/** The group every cancel is posted to. */
export const CANCEL_GROUP = 'control.cancel';
export const CANCEL_LOCK_HEADER = 'Cancel-Lock';
export const CANCEL_KEY_HEADER = 'Cancel-Key';
export const CONTROL_HEADER = 'Control';

const SCHEME = 'sha256';
/** Base64 of a SHA-256 digest: 43 characters and one `=`. */
const DIGEST_B64 = /^[A-Za-z0-9+/]{43}=$/;

/** A Cancel-Key element as this node hands it out and takes it back: `sha256:` + base64 of 32 bytes. */
export const CancelKeySchema = z
  .string()
  .trim()
  .regex(/^sha256:[A-Za-z0-9+/]{43}=$/, 'key must be a Cancel-Key as the post answered it: "sha256:" and 44 characters of base64');
export type CancelKey = z.infer<typeof CancelKeySchema>;

/** `POST /api/articles/ID/cancel` body. */
export const CancelRequestSchema = z.strictObject({ key: CancelKeySchema });
export type CancelRequest = z.infer<typeof CancelRequestSchema>;

/** The Cancel-Key for article `id` from the node's secret (RFC 8315 section 4, HMAC variant). */
export function cancelKeyFor(secret: Uint8Array, id: string): string {
  return `${SCHEME}:${createHmac('sha256', secret).update(id, 'utf8').digest('base64')}`;
}

/** The Cancel-Lock element that `key` opens: the hash of the key's base64 text, base64. */
export function cancelLockFor(key: string): string {
  return `${SCHEME}:${lockHash(stripScheme(key) ?? key)}`;
}

function lockHash(keyText: string): string {
  return createHash('sha256').update(keyText, 'ascii').digest('base64');
}

function stripScheme(element: string): string | null {
  const colon = element.indexOf(':');
  if (colon < 0 || element.slice(0, colon).toLowerCase() !== SCHEME) return null;
  const value = element.slice(colon + 1);
  return DIGEST_B64.test(value) ? value : null;
}

/** The sha256 elements of a Cancel-Lock or Cancel-Key value (space-separated; other schemes skipped). */
export function sha256Elements(value: string): string[] {
  const out: string[] = [];
  for (const el of value.split(/\s+/)) {
    const v = el.length > 0 ? stripScheme(el) : null;
    if (v !== null) out.push(v);
    if (out.length >= 16) break;
  }
  return out;
}

/** True when some key element of `keyValue` hashes to some lock element of `lockValue`. */
export function cancelKeyOpens(lockValue: string, keyValue: string): boolean {
  const locks = sha256Elements(lockValue).map((l) => Buffer.from(l, 'base64'));
  if (locks.length === 0) return false;
  for (const k of sha256Elements(keyValue)) {
    const hashed = Buffer.from(lockHash(k), 'base64');
    if (locks.some((l) => l.length === hashed.length && timingSafeEqual(l, hashed))) return true;
  }
  return false;
}

/** A header by name, whatever its case (stored headers keep the case they arrived in). */
export function headerValue(headers: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (Object.hasOwn(headers, name)) return headers[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(headers)) if (k.toLowerCase() === lower) return headers[k];
  return undefined;
}

/** The target of a cancel control article, or null when the article is none. */
export function cancelTarget(a: { newsgroups: readonly string[]; headers?: Readonly<Record<string, string>> }): string | null {
  const control = headerValue(a.headers, CONTROL_HEADER);
  if (control === undefined) return null;
  const m = /^\s*cancel\s+(\S+)\s*$/i.exec(control);
  if (!m || messageIdProblem(m[1]) !== null) return null;
  return m[1];
}

/** What a cancel article needs beyond what the posting node fills in (id, date, path, signature). */
export interface CancelArticleFields {
  newsgroups: string[];
  from: string;
  subject: string;
  headers: Record<string, string>;
  body: string;
}

/** The fields of the cancel of `target` carrying `key` (RFC 5537 5.3, posted to control.cancel). */
export function cancelArticleFields(target: string, key: string, from: string): CancelArticleFields {
  return {
    newsgroups: [CANCEL_GROUP],
    from,
    subject: `cmsg cancel ${target}`,
    headers: { [CONTROL_HEADER]: `cancel ${target}`, [CANCEL_KEY_HEADER]: key },
    body: `Cancelled by its poster.\n`,
  };
}
