/**
 * Signatures at the ingest's door (docs/protocol.md, "Article signatures"): what the owner
 * injects (local posts, imports of unsigned articles) is signed with the node key, and a
 * signed article that comes in for an id this node does not hold yet is verified, once, by the
 * worker pool, BEFORE its submission joins the queue of the group commit. The writer never
 * waits on a verification: a submission being verified is simply not there yet, and the
 * commits of everything else go on. Held ids are not verified again (they end `duplicate`).
 */
import { articleSignedBytes } from '../../protocol/article-signature';
import type { Article } from '../../protocol/article';
import type { ArticleSigner } from '../identity/article-signing';
import type { VerifyItem } from '../identity/verify-pool';
import type { ErrorCode } from '../errors';
import type { Store } from '../store/store';
import type { Checked } from './commit-prep';
import type { Origin } from './origin';

/** The per-article reason code of a signature that does not verify (docs/errors.md). */
export const BAD_SIGNATURE_CODE: ErrorCode = 'NM_ERR_BAD_SIGNATURE';
export const BAD_SIGNATURE_REASON = 'signature: does not verify with its signer key (the article was changed after signing, or another key made it)';

/** What the screen needs of the verification pool (node/identity/verify-pool.ts). */
export interface Verifier {
  verify(items: VerifyItem[]): Promise<boolean[]>;
  /** Items verified so far. */
  readonly verified: number;
}

export interface SignatureScreenComponents {
  store: Store;
  pool: Verifier;
  signer: ArticleSigner;
}

export class SignatureScreen {
  /** Articles signed here (the owner's posts and imports). */
  signed = 0;

  constructor(private readonly c: SignatureScreenComponents) {}

  /** Verifications done since start (each a signed article of an id not held before). */
  get verified(): number {
    return this.c.pool.verified;
  }

  /** The article with this node's signature (over every field but `path`). */
  sign(a: Article): Article {
    this.signed++;
    return { ...a, ...this.c.signer.sign(a) };
  }

  /**
   * Signs or verifies the well-formed items of one submission, in place. Returns null when
   * nothing needed the pool (the submission goes on in the same turn), else a promise that
   * resolves once every verdict is in (bad signatures become `rejected` items).
   */
  screen(items: Checked[], origin: Origin): Promise<void> | null {
    if (origin.kind === 'local') {
      // The node's own code builds local articles: sign what is unsigned, keep the rest.
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        if (it.ok && it.article.signature === undefined) items[i] = { ok: true, article: this.sign(it.article) };
      }
      return null;
    }
    const owner = origin.kind === 'import';
    const open: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.ok && (owner || it.article.signature !== undefined)) open.push(i);
    }
    if (open.length === 0) return null;
    // Held (or gone on purpose): the commit answers `duplicate` (or its vet refuses it); no work here.
    const hist = this.c.store.historySync(open.map((i) => (items[i] as { article: Article }).article.id));
    const check: number[] = [];
    open.forEach((i, j) => {
      const h = hist[j];
      const { article } = items[i] as { article: Article };
      // A second copy in the same batch is checked too: the first may be the forged one.
      if (h && h.s !== 'r') return;
      if (article.signature !== undefined) check.push(i);
      else items[i] = { ok: true, article: this.sign(article) };
    });
    if (check.length === 0) return null;
    const batch: VerifyItem[] = check.map((i) => {
      const a = (items[i] as { article: Article }).article;
      return { message: articleSignedBytes(a, a.signer!), signature: a.signature!, key: a.signer! };
    });
    return this.c.pool.verify(batch).then((ok) => {
      ok.forEach((good, j) => {
        if (good) return;
        const i = check[j];
        items[i] = { ok: false, id: (items[i] as { article: Article }).article.id, reason: BAD_SIGNATURE_REASON, code: BAD_SIGNATURE_CODE };
      });
    });
  }
}
