import { articleSignedBytes } from '../../protocol/article-signature';
import { generateNodeKey } from '../../node/identity/node-key';
import type { NmError } from '../../node/errors';
import { VerifyPool, type VerifyItem } from '../../node/identity/verify-pool';

const keys = [generateNodeKey(), generateNodeKey(), generateNodeKey()];

/** `n` items from three signers; every `badEvery`-th one has its message changed after signing. */
function items(n: number, badEvery = 0, bodyBytes = 0): { items: VerifyItem[]; expected: boolean[] } {
  const out: VerifyItem[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const k = keys[i % keys.length];
    const a = { id: `<${i}@x>`, newsgroups: ['t.a'], from: 'a', subject: 's', date: '2026-01-01T00:00:00Z', references: [], body: `body ${i}\n${'b'.repeat(bodyBytes)}` };
    const message = articleSignedBytes(a, k.key);
    const signature = k.sign(message);
    const bad = badEvery > 0 && i % badEvery === 0;
    out.push({ message: bad ? articleSignedBytes({ ...a, body: 'forged' }, k.key) : message, signature, key: k.key });
    expected.push(!bad);
  }
  return { items: out, expected };
}

describe('verification pool (worker threads)', () => {
  let pool: VerifyPool;
  afterEach(async () => pool?.close());

  it('gives one verdict per item, in order, across batches and workers', async () => {
    pool = new VerifyPool(null, { workers: 2, chunk: 16 });
    const { items: list, expected } = items(300, 7);
    expect(await pool.verify(list)).toEqual(expected);
    expect(pool.verified).toBe(300);
    expect(pool.pending).toBe(0);
    expect(await pool.verify([])).toEqual([]);
  });

  it('answers a wrong key, a malformed key and a malformed signature with false', async () => {
    pool = new VerifyPool(null, { workers: 1 });
    const [good] = items(1).items;
    const verdicts = await pool.verify([good, { ...good, key: keys[1].key }, { ...good, key: 'nonsense' }, { ...good, signature: 'AAAA' }]);
    expect(verdicts).toEqual([true, false, false, false]);
  });

  it('answers many concurrent callers, each with its own verdicts', async () => {
    pool = new VerifyPool(null, { workers: 2, chunk: 8 });
    const calls = Array.from({ length: 20 }, (_, i) => items(10 + i, i + 2));
    const results = await Promise.all(calls.map((c) => pool.verify(c.items)));
    results.forEach((r, i) => expect(r).toEqual(calls[i].expected));
  });

  it('makes callers wait for room instead of queueing without bound', async () => {
    pool = new VerifyPool(null, { workers: 1, chunk: 10, depth: 1, maxQueued: 30 });
    const calls = Array.from({ length: 12 }, () => items(10));
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, pool.pending)), 0);
    try {
      const results = await Promise.all(calls.map((c) => pool.verify(c.items)));
      results.forEach((r, i) => expect(r).toEqual(calls[i].expected));
    } finally {
      clearInterval(watch);
    }
    // Queued at most maxQueued (30), plus the one batch in the worker (10).
    expect(most).toBeLessThanOrEqual(40);
  });

  it('bounds the queue by message bytes too: big articles wait for room before the item count is reached', async () => {
    pool = new VerifyPool(null, { workers: 1, chunk: 4, depth: 1, maxQueued: 10_000, maxQueuedBytes: 200_000 });
    // 40 callers of 4 articles of ~20 KB: 3.2 MB if nothing waited.
    const calls = Array.from({ length: 40 }, () => items(4, 0, 20_000));
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, pool.pendingBytes)), 0);
    try {
      const results = await Promise.all(calls.map((c) => pool.verify(c.items)));
      results.forEach((r, i) => expect(r).toEqual(calls[i].expected));
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeGreaterThan(0);
    // Queued at most maxQueuedBytes, plus the one batch in the worker (~80 KB).
    expect(most).toBeLessThanOrEqual(200_000 + 4 * 20_200);
  });

  it('verifies on the calling thread with no workers', async () => {
    pool = new VerifyPool(null, { workers: 0 });
    const { items: list, expected } = items(20, 3);
    expect(await pool.verify(list)).toEqual(expected);
  });

  it('refuses work once closed, and fails what was waiting as a shutdown (503 to a peer, not a bug)', async () => {
    pool = new VerifyPool(null, { workers: 1, chunk: 4, depth: 1 });
    const waiting = pool.verify(items(200).items).then(
      () => 'answered',
      (err: NmError) => `${err.code}: ${err.message}`,
    );
    await pool.close();
    expect(await waiting).toMatch(/^NM_ERR_UNAVAILABLE: the node is shutting down/);
    await expect(pool.verify(items(1).items)).rejects.toMatchObject({ code: 'NM_ERR_UNAVAILABLE', statusCode: 503 });
  });
});
