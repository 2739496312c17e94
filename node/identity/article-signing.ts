/**
 * Article signatures and cancel keys made with the node's own key: signing an article the
 * owner injects (over protocol/article-signature.ts's bytes), checking one on the spot (the
 * verification pool does it in bulk, off the main thread), and the node's cancel secret.
 * The secret is the SHA-256 of the node's signature over a fixed tag: Ed25519 signing is
 * deterministic (RFC 8032), so it is the same at every start, needs no file of its own, and
 * only the holder of the private key can compute it.
 */
import { createHash } from 'node:crypto';
import { articleSignedBytes, encodeFieldList, type SignedArticleFields } from '../../protocol/article-signature';
import { cancelKeyFor, cancelLockFor } from '../../protocol/cancel-lock';
import type { NodeKey } from './node-key';
import { verifyBytes } from './signing';

const CANCEL_SECRET_TAG = 'newsmesh/cancel-secret/v1';

export interface ArticleSignature {
  signature: string;
  signer: string;
}

/** What the node adds to the articles its owner posts: a signature, and cancel keys and locks. */
export interface ArticleSigner {
  /** The node's public key (the `signer` of what it signs). */
  readonly key: string;
  readonly fingerprint: string;
  sign(a: SignedArticleFields): ArticleSignature;
  /** The Cancel-Key of a post with this id (given back only to the poster). */
  cancelKey(id: string): string;
  /** The Cancel-Lock header value that the cancel key of `id` opens. */
  cancelLock(id: string): string;
}

/** The node's cancel secret (see the module comment). */
export function cancelSecretOf(nodeKey: NodeKey): Buffer {
  const sig = Buffer.from(nodeKey.sign(encodeFieldList([CANCEL_SECRET_TAG])), 'base64url');
  return createHash('sha256').update(sig).digest();
}

export function articleSigner(nodeKey: NodeKey): ArticleSigner {
  const secret = cancelSecretOf(nodeKey);
  return {
    key: nodeKey.key,
    fingerprint: nodeKey.fingerprint,
    sign: (a) => ({ signature: nodeKey.sign(articleSignedBytes(a, nodeKey.key)), signer: nodeKey.key }),
    cancelKey: (id) => cancelKeyFor(secret, id),
    cancelLock: (id) => cancelLockFor(cancelKeyFor(secret, id)),
  };
}

/** Checks an article's signature on the calling thread (tests, single articles). */
export function articleSignatureValid(a: SignedArticleFields & ArticleSignature): boolean {
  return verifyBytes(a.signer, articleSignedBytes(a, a.signer), a.signature);
}
