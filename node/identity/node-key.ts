/**
 * The node's own Ed25519 key pair: made at first start, kept in the data dir as `node.key`
 * (PKCS#8 PEM, mode 0600), loaded at every start. A key file that others can read is fixed
 * (chmod 0600) with a warning, or refused when it cannot be fixed; an unreadable or foreign
 * key file stops the start with one clear sentence rather than making a new identity.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger';
import { fingerprint } from './fingerprint';
import { signBytes } from './signing';

export const KEY_FILE = 'node.key';

export class KeyFileError extends Error {
  readonly code = 'NM_ERR_KEY_FILE';
}

export interface NodeKey {
  /** The public key as base64url of its raw 32 bytes (what travels in hellos). */
  readonly key: string;
  readonly fingerprint: string;
  sign(bytes: Uint8Array): string;
}

function nodeKeyOf(privateKey: KeyObject): NodeKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const key = String(jwk.x);
  return { key, fingerprint: fingerprint(key), sign: (bytes) => signBytes(privateKey, bytes) };
}

/** A key made in memory (tests, benchmarks, test peers). */
export function generateNodeKey(): NodeKey & { pem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...nodeKeyOf(privateKey), pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

async function secureMode(path: string, log: Logger): Promise<void> {
  if (process.platform === 'win32') return;
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    await chmod(path, 0o600);
  } catch (err) {
    throw new KeyFileError(`${path} is readable by others (mode ${mode.toString(8)}) and cannot be fixed (${(err as Error).message}); run chmod 600 on it`);
  }
  log.warn({ path, was: mode.toString(8) }, 'node key file was readable by group or others; set it to 0600');
}

async function writeNew(path: string): Promise<KeyObject> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await fh.sync();
  } finally {
    await fh.close();
  }
  // Written whole, then renamed: a crash never leaves half a key behind.
  await rename(tmp, path).catch(async (err) => {
    await unlink(tmp).catch(() => undefined);
    throw err;
  });
  return privateKey;
}

/** Loads `DIR/node.key`, making it on first start. */
export async function loadNodeKey(dir: string, log: Logger): Promise<NodeKey> {
  const path = join(dir, KEY_FILE);
  let pem: string | null = null;
  try {
    await secureMode(path, log);
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof KeyFileError) throw err;
      throw new KeyFileError(`cannot read the node key ${path}: ${(err as Error).message}`);
    }
  }
  if (pem === null) {
    const nodeKey = nodeKeyOf(await writeNew(path));
    log.info({ path, fingerprint: nodeKey.fingerprint }, 'made a new node key');
    return nodeKey;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new KeyFileError(`${path} is not a readable private key; restore it from a backup, or delete it to give this node a new identity (its peers will then refuse it until they remove and re-add it)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new KeyFileError(`${path} holds a ${privateKey.asymmetricKeyType} key; newsmesh node keys are Ed25519`);
  return nodeKeyOf(privateKey);
}
