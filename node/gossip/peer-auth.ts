/**
 * Peer identity on the wire: the bearer token of an `Authorization` header and the normal
 * form of a peer URL. Who owns a token is the gossip engine's to say
 * (PeerService.peerForAuthorization), from its in-memory peer table. Hand-written on purpose:
 * the Bearer form (RFC 6750) is one anchored regex on our own tokens, which are base64url and
 * so never need the quoting and parameters general parsers (`auth-header`) handle; the
 * comparison is node:crypto's constant-time one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer TOKEN` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** A peer URL as compared everywhere: without trailing slashes. */
export const normUrl = (url: string): string => url.replace(/\/+$/, '');

/** Compares a presented token with the expected one in constant time (hashes make the lengths equal). */
export function sameToken(presented: string | null | undefined, expected: string): boolean {
  if (!presented) return false;
  const h = (t: string) => createHash('sha256').update(t).digest();
  return timingSafeEqual(h(presented), h(expected));
}
