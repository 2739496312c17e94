/**
 * The ingest's signature screen on real LevelDB: a signed arrival is verified before its
 * submission queues, so the writer commits others while a verification is pending; a bad
 * signature is a per-article rejection with NM_ERR_BAD_SIGNATURE; held ids are not verified
 * again; local posts and unsigned imports are signed with the node key, peers' unsigned
 * articles are kept unsigned.
 */
import { systemClock } from '../../node/clock';
import { articleSignatureValid, articleSigner } from '../../node/identity/article-signing';
import { generateNodeKey } from '../../node/identity/node-key';
import { VerifyPool, type VerifyItem } from '../../node/identity/verify-pool';
import { Ingest } from '../../node/ingest/ingest';
import { SignatureScreen, type Verifier } from '../../node/ingest/signature-screen';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { Store } from '../../node/store/store';
import type { Article } from '../../protocol/article';
import { makeArticle } from '../helpers/node';
import { tempDir } from '../helpers/tmp';

/** A pool whose verdicts wait until released (the real pool checks them). */
class HeldPool implements Verifier {
  private readonly real = new VerifyPool(null, { workers: 0 });
  private gate: Promise<void> = Promise.resolve();
  release: () => void = () => undefined;
  calls: VerifyItem[][] = [];
  get verified(): number {
    return this.real.verified;
  }
  hold(): void {
    this.gate = new Promise((r) => (this.release = r));
  }
  async verify(items: VerifyItem[]): Promise<boolean[]> {
    this.calls.push(items);
    await this.gate;
    return this.real.verify(items);
  }
}

let tmp: ReturnType<typeof tempDir>;
let store: Store;
let ingest: Ingest;
let pool: HeldPool;
const nodeKey = generateNodeKey();
const peer = articleSigner(generateNodeKey());
const signed = (over: Record<string, unknown> = {}, i = 0): Record<string, unknown> => {
  const a = makeArticle(over, i);
  return { ...a, ...peer.sign(a as unknown as Article) };
};

beforeEach(async () => {
  tmp = tempDir('newsmesh-screen-');
  store = await Store.open(tmp.dir);
  pool = new HeldPool();
  const signatures = new SignatureScreen({ store, pool, signer: articleSigner(nodeKey) });
  ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics(), signatures }, { name: 'here', maxArticleBytes: 65536 });
  await ingest.start();
});

afterEach(async () => {
  pool.release();
  await ingest.flushed();
  await store.close();
  tmp.cleanup();
});

describe('the signature screen', () => {
  it('verifies before the submission queues: other commits go on while it is pending', async () => {
    pool.hold();
    const waiting = ingest.submit([signed({}, 1)], { kind: 'peer', peer: 'p' });
    const other = await ingest.submit([makeArticle({}, 2)], { kind: 'peer', peer: 'q' });
    expect(other.map((r) => r.status)).toEqual(['accepted']);
    expect(pool.calls).toHaveLength(1);
    pool.release();
    expect((await waiting).map((r) => r.status)).toEqual(['accepted']);
  });

  it('refuses a changed article with NM_ERR_BAD_SIGNATURE and takes the rest of the batch', async () => {
    const good = signed({}, 3);
    const changed: Record<string, unknown> = { ...signed({}, 4), body: 'changed\n' };
    const results = await ingest.submit([good, changed, makeArticle({}, 5)], { kind: 'peer', peer: 'p' });
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['accepted', undefined],
      ['rejected', 'NM_ERR_BAD_SIGNATURE'],
      ['accepted', undefined],
    ]);
    expect(results[1].reason).toMatch(/^signature: does not verify/);
    expect(await store.getStored(changed.id as string)).toBeUndefined();
  });

  it('does not verify an id it holds again', async () => {
    const a = signed({}, 6);
    await ingest.submit([a], { kind: 'peer', peer: 'p' });
    const before = pool.verified;
    expect((await ingest.submit([a], { kind: 'mirror', peer: 'q' })).map((r) => r.status)).toEqual(['duplicate']);
    expect(pool.verified).toBe(before);
    expect(pool.calls).toHaveLength(1);
  });

  it("signs local posts and the owner's unsigned imports with the node key; a peer's unsigned article stays unsigned", async () => {
    const local = ingest.check(makeArticle({ path: [] }, 7));
    if (!local.ok) throw new Error(local.problem.reason);
    const imported = makeArticle({}, 8);
    const fromPeer = makeArticle({}, 9);
    await ingest.submitChecked([local.article], { kind: 'local' });
    await ingest.submit([imported], { kind: 'import' });
    await ingest.submit([fromPeer], { kind: 'peer', peer: 'p' });
    for (const id of [local.article.id, imported.id as string]) {
      const a = (await store.getStored(id))!.article;
      expect(a.signer).toBe(nodeKey.key);
      expect(articleSignatureValid(a as Article & { signature: string; signer: string })).toBe(true);
    }
    expect((await store.getStored(fromPeer.id as string))!.article.signature).toBeUndefined();
    expect(pool.calls).toHaveLength(0);
  });
});
