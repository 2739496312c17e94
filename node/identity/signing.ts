/**
 * Ed25519 signing and verification over the canonical bytes of protocol/hello-proof.ts.
 * Public keys arrive as base64url of their raw 32 bytes; their KeyObjects are cached (a
 * bounded lru-cache: a node talks to tens of peers, a stranger's flood only churns the cache).
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';

const keyObjects = new LRUCache<string, KeyObject>({ max: 512 });

function publicKeyObject(key: string): KeyObject | null {
  let k = keyObjects.get(key);
  if (k) return k;
  try {
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key }, format: 'jwk' });
  } catch {
    return null;
  }
  keyObjects.set(key, k);
  return k;
}

/** Signs `bytes` with a private key; the signature as base64url of its 64 bytes. */
export function signBytes(privateKey: KeyObject, bytes: Uint8Array): string {
  return sign(null, bytes, privateKey).toString('base64url');
}

/** True when `sig` is `key`'s signature over `bytes`; any malformed input is simply false. */
export function verifyBytes(key: string, bytes: Uint8Array, sig: string): boolean {
  const k = publicKeyObject(key);
  if (!k) return false;
  const raw = Buffer.from(sig, 'base64url');
  if (raw.length !== 64) return false;
  try {
    return verify(null, bytes, k, raw);
  } catch {
    return false;
  }
}
