/**
 * The code each verification worker runs (node/identity/verify-pool.ts), as plain JavaScript
 * evaluated by `new Worker(src, { eval: true })`: the same text works from the TypeScript
 * sources under jest and from dist/, with no build step of its own. A task is one packed
 * batch (keys, per-item key index, 64-byte signatures, messages with their offsets); the
 * answer is one byte per item, 1 when the signature verifies. Keys are kept as KeyObjects in
 * a small bounded map: a batch usually comes from a handful of signers. Hand-written on
 * purpose (not lru-cache): an eval'd worker resolves `require` from the process's working
 * directory, not from this package, so the source stays free of dependencies.
 */
export const VERIFY_WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const KEYS_MAX = 1024;
const keys = new Map();
function keyObject(x) {
  let k = keys.get(x);
  if (k !== undefined) return k;
  try {
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  } catch {
    k = null;
  }
  if (keys.size >= KEYS_MAX) keys.delete(keys.keys().next().value);
  keys.set(x, k);
  return k;
}
parentPort.on('message', (t) => {
  const n = t.keyIdx.length;
  const ok = new Uint8Array(n);
  const objs = t.keys.map(keyObject);
  for (let i = 0; i < n; i++) {
    const k = objs[t.keyIdx[i]];
    if (k === null) continue;
    try {
      ok[i] = verify(null, t.msgs.subarray(t.offsets[i], t.offsets[i + 1]), k, t.sigs.subarray(64 * i, 64 * i + 64)) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  parentPort.postMessage({ id: t.id, ok }, [ok.buffer]);
});
`;
