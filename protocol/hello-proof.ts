/**
 * Node keys on the wire and the exact bytes a node signs to prove one (docs/protocol.md,
 * "Key proof"). Keys are Ed25519, sent as base64url of the raw 32 bytes; signatures as
 * base64url of 64 bytes. The canonical encoding is length-prefixed so that no two different
 * field lists share bytes, and every signed message opens with its own purpose tag, so a
 * signature made for one step can never be replayed as another. Pure: no crypto, no I/O.
 */
import { z } from 'zod';

/** Purpose tags: the first field of every signed message. */
export const PURPOSE = {
  challenge: 'newsmesh/challenge/v1',
  hello: 'newsmesh/hello/v1',
  helloReply: 'newsmesh/hello-reply/v1',
} as const;

const B64URL = /^[A-Za-z0-9_-]*$/;

/** 32 bytes as unpadded base64url: 43 characters, the last one carrying 2 zero bits. */
export const NodeKeySchema = z
  .string()
  .length(43, 'must be an Ed25519 public key: base64url of 32 bytes (43 characters)')
  .regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, 'must be an Ed25519 public key: base64url of 32 bytes (43 characters)');

/** 64 bytes as unpadded base64url: 86 characters, the last one carrying 4 zero bits. */
export const SignatureSchema = z
  .string()
  .length(86, 'must be an Ed25519 signature: base64url of 64 bytes (86 characters)')
  .regex(/^[A-Za-z0-9_-]{85}[AQgw]$/, 'must be an Ed25519 signature: base64url of 64 bytes (86 characters)');

/** Challenges and nonces: 16 to 64 random bytes, base64url. */
export const RandomTokenSchema = z
  .string()
  .min(22, 'must be at least 16 random bytes, base64url (22 characters)')
  .max(86, 'must be at most 64 random bytes, base64url (86 characters)')
  .regex(B64URL, 'must be base64url (A-Z a-z 0-9 - _)');

/** What a hello signature covers, in this order after the purpose tag. */
export interface HelloProofFields {
  challenge: string;
  /** The caller's own peer URL (the hello's `url`). */
  url: string;
  /** The callee's URL as the caller dialled it. */
  to: string;
  /** Caller's clock, ms since the epoch. */
  time: number;
  name: string;
  key: string;
  token?: string;
  groups?: string;
  nonce: string;
}

/** What the answering node's hello reply signature covers. */
export interface HelloReplyProofFields {
  /** The caller's hello nonce. */
  nonce: string;
  challenge: string;
  name: string;
  key: string;
  token: string;
  state?: string;
}

/** What the answering node's challenge reply signature covers. */
export interface ChallengeProofFields {
  /** The caller's challenge-request nonce. */
  nonce: string;
  challenge: string;
  name: string;
  key: string;
}

const ABSENT = 0xffffffff;

/**
 * The canonical encoding: for each field in order, a 4-byte big-endian length and the UTF-8
 * bytes; an absent optional field is the length 0xFFFFFFFF with no bytes.
 */
export function encodeFields(fields: readonly (string | undefined)[]): Uint8Array {
  const enc = new TextEncoder();
  const parts = fields.map((f) => (f === undefined ? null : enc.encode(f)));
  const size = parts.reduce((n, p) => n + 4 + (p?.length ?? 0), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p ? p.length : ABSENT);
    at += 4;
    if (p) {
      out.set(p, at);
      at += p.length;
    }
  }
  return out;
}

export const helloProofBytes = (f: HelloProofFields): Uint8Array =>
  encodeFields([PURPOSE.hello, f.challenge, f.url, f.to, String(f.time), f.name, f.key, f.token, f.groups, f.nonce]);

export const helloReplyProofBytes = (f: HelloReplyProofFields): Uint8Array =>
  encodeFields([PURPOSE.helloReply, f.nonce, f.challenge, f.name, f.key, f.token, f.state]);

export const challengeProofBytes = (f: ChallengeProofFields): Uint8Array =>
  encodeFields([PURPOSE.challenge, f.nonce, f.challenge, f.name, f.key]);
