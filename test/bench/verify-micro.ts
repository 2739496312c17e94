/**
 * Micro-benchmark of article signatures: Ed25519 signing, verification on the calling thread,
 * and verification through the worker pool (node/identity/verify-pool.ts), over the canonical
 * bytes of 1 KiB articles. The pool figure is what ingest can verify per second off its main
 * thread; the main-thread cost per item of the pool is what ingest pays.
 */
import { performance } from 'node:perf_hooks';
import { articleSignedBytes } from '../../protocol/article-signature';
import { generateNodeKey } from '../../node/identity/node-key';
import { verifyBytes } from '../../node/identity/signing';
import { VerifyPool, type VerifyItem } from '../../node/identity/verify-pool';

export interface VerifyMicroFigures {
  count: number;
  signPerSec: number;
  verifyInlinePerSec: number;
  verifyPoolPerSec: number;
  poolWorkers: number;
  /** Main-thread busy time per item while the pool verifies (packing and messages). */
  poolMainCpuUsPerItem: number;
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

export async function verifyMicro(opts: { count?: number; workers?: number } = {}): Promise<VerifyMicroFigures> {
  const count = opts.count ?? 5000;
  const key = generateNodeKey();
  const body = 'x'.repeat(1024);
  const messages = Array.from({ length: count }, (_, i) =>
    articleSignedBytes({ id: `<${i}@bench>`, newsgroups: ['bench.a'], from: 'Bench <b@example.org>', subject: `article ${i}`, date: '2026-01-01T00:00:00.000Z', references: [], body }, key.key),
  );
  let t0 = performance.now();
  const sigs = messages.map((m) => key.sign(m));
  const signMs = performance.now() - t0;

  t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < count; i++) if (verifyBytes(key.key, messages[i], sigs[i])) ok++;
  const inlineMs = performance.now() - t0;
  if (ok !== count) throw new Error(`inline verification failed ${count - ok} of ${count}`);

  const pool = new VerifyPool(null, opts.workers === undefined ? {} : { workers: opts.workers });
  try {
    const items: VerifyItem[] = messages.map((message, i) => ({ message, signature: sigs[i], key: key.key }));
    await pool.verify(items.slice(0, 200)); // workers warm (key objects, JIT)
    const elu0 = performance.eventLoopUtilization();
    t0 = performance.now();
    // Submissions of 100, as TAKETHIS batches arrive, all in flight at once.
    const parts: Promise<boolean[]>[] = [];
    for (let i = 0; i < count; i += 100) parts.push(pool.verify(items.slice(i, i + 100)));
    const verdicts = (await Promise.all(parts)).flat();
    const poolMs = performance.now() - t0;
    // process.cpuUsage counts the workers too; the event loop's active time is the main thread's.
    const mainMs = performance.eventLoopUtilization(elu0).active;
    if (verdicts.some((v) => !v)) throw new Error('pool verification failed');
    return {
      count,
      signPerSec: rate(count, signMs),
      verifyInlinePerSec: rate(count, inlineMs),
      verifyPoolPerSec: rate(count, poolMs),
      poolWorkers: pool.workers,
      poolMainCpuUsPerItem: Number(((mainMs * 1000) / count).toFixed(1)),
    };
  } finally {
    await pool.close();
  }
}
