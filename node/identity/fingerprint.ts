/**
 * The human-comparable form of a node key: what pages, `peers list` and the start log show.
 * SHA-256 of the raw 32-byte public key, first 10 bytes (80 bits), base32 (RFC 4648, lower
 * case), in four groups of four: `k7qz-3mfa-xp2d-9wye`. Two owners read it to each other to
 * check they peered with the right node; 80 bits is far beyond what key grinding can match.
 */
import { createHash } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Fingerprint of a public key given as base64url of its raw 32 bytes. */
export function fingerprint(key: string): string {
  const digest = createHash('sha256').update(Buffer.from(key, 'base64url')).digest();
  return base32(digest.subarray(0, 10)).match(/.{4}/g)!.join('-');
}
