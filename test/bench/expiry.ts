/**
 * Bench section `expiry` (issue 12 figure): a node PROCESS holding 100,000 articles in `old.a`
 * restarts with `--retain 'old.*=1s,*=forever'`, so its retention job expires all of them at
 * once, while autocannon posts at 1,000 posts/s (16 connections) to POST /api/articles. Target:
 * post p99 under 15 ms during the expiry. Yardstick in the same run: the same posting for the
 * same time on the same node before the restart, with no expiry running.
 */
import autocannon from 'autocannon';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';

const ARTICLES = 100_000;
const RATE = 1_000;
const CONNECTIONS = 16;
const POST = JSON.stringify({ newsgroups: ['bench.posts'], from: 'bench@example', subject: 'bench post', body: 'y'.repeat(1000) });

interface Posting {
  postsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
}

/** Posts at RATE until `until` resolves (or `maxS` passes). */
function postAtRate(url: string, maxS: number, until?: Promise<unknown>): Promise<Posting> {
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      { url: `${url}/api/articles`, method: 'POST', connections: CONNECTIONS, overallRate: RATE, duration: maxS, headers: { 'content-type': 'application/json' }, body: POST },
      (err, r) => {
        if (err) return reject(err);
        resolve({ postsPerSec: Math.round(r['2xx'] / r.duration), p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max, non2xx: r.non2xx, errors: r.errors });
      },
    );
    void until?.then(() => inst.stop());
  });
}

async function fill(node: NodeProcess): Promise<void> {
  const body = 'x'.repeat(200);
  for (let start = 0; start < ARTICLES; start += 1000) {
    const articles = [];
    for (let i = start; i < start + 1000; i++) {
      articles.push({ id: `<exp.${i}@bench>`, newsgroups: ['old.a'], from: 'f@x', subject: `s ${i}`, date: new Date().toISOString(), references: [], path: ['bench'], body });
    }
    const res = await fetch(`${node.webUrl}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ articles }) });
    if (!res.ok) throw new Error(`fill: ${res.status} ${await res.text()}`);
  }
}

async function oldCount(node: NodeProcess): Promise<number> {
  const groups = (await (await fetch(`${node.webUrl}/api/groups`)).json()) as { name: string; count: number }[];
  return groups.find((g) => g.name === 'old.a')?.count ?? 0;
}

async function stop(node: NodeProcess): Promise<void> {
  node.child.kill('SIGTERM');
  await node.exited;
}

export async function expirySection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-bench-expiry-');
  const env = { NEWSMESH_LOG_LEVEL: 'warn' };
  try {
    let node = await spawnNode(['--data', tmp.dir], env);
    let baseline: Posting;
    const t0 = Date.now();
    try {
      await fill(node);
      baseline = await postAtRate(node.webUrl, 10);
    } finally {
      await stop(node);
    }
    const fillS = (Date.now() - t0) / 1000;
    node = await spawnNode(['--data', tmp.dir, '--retain', 'old.*=1s,*=forever'], env);
    try {
      const started = Date.now();
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      let expiredAfterMs = -1;
      const watch = (async () => {
        while ((await oldCount(node)) > 0 && Date.now() - started < 300_000) await new Promise((r) => setTimeout(r, 100));
        expiredAfterMs = Date.now() - started;
        done();
      })();
      const during = await postAtRate(node.webUrl, 300, finished);
      await watch;
      const left = await oldCount(node);
      return {
        articles: ARTICLES,
        fillS,
        expiry: { seconds: expiredAfterMs / 1000, perSec: Math.round(ARTICLES / (expiredAfterMs / 1000)), left },
        postsDuringExpiry: during,
        postsWithoutExpiry: baseline,
        target: { postP99Ms: 15, met: during.p99Ms < 15 },
      };
    } finally {
      await stop(node);
    }
  } finally {
    tmp.cleanup();
  }
}
