/**
 * Bench section `gossipLink`: one link between two `newsmesh start` PROCESSES on loopback,
 * 1 KiB articles. A feeder (this process, greeted as a peer of A) pushes TAKETHIS batches
 * into A. Figures: A's own ingest rate with no peers (the yardstick), the end-to-end rate
 * while A streams to B (fed on A, stored on B), and the drain rate of a 100,000-id backlog
 * to B after B was stopped and restarted, with the CPU each side spent per drained article.
 * NEWSMESH_PEER_STREAM=0 runs both nodes without the peer stream. Temp dirs are removed; every wait is bounded.
 */
import { Agent } from 'undici';
import { PeerClient } from '../helpers/peer-client';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { cpuUs } from './nntp';

const YARDSTICK = Number(process.env.BENCH_LINK_YARDSTICK ?? 50_000);
const STREAM = Number(process.env.BENCH_LINK_STREAM ?? 100_000);
const BACKLOG = Number(process.env.BENCH_LINK_BACKLOG ?? 100_000);
const BODY = 'x'.repeat(1023) + '\n';
const PER_BATCH = 800; // ~1 MiB of article JSON, like a gossip sender's TAKETHIS
const FEEDERS = 3;
const LIMIT_MS = 180_000;

const agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });

async function call<T>(url: string, method: string, body?: unknown, token?: string): Promise<T> {
  const u = new URL(url);
  const res = await agent.request({
    origin: u.origin,
    path: u.pathname + u.search,
    method: method as 'GET',
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function articleJson(tag: string, i: number, date: string): string {
  return JSON.stringify({
    id: `<${tag}.${i}@bench-feeder>`,
    newsgroups: [`bench.link${i % 4}`],
    from: 'bench@example',
    subject: `link ${tag} ${i}`,
    date,
    references: [],
    path: ['bench-feeder'],
    body: BODY,
  });
}

/** Pushes `count` articles into the node as the peer `feeder`; resolves when all are committed. */
async function feed(node: NodeProcess, token: string, tag: string, count: number): Promise<number> {
  const date = new Date().toISOString();
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let guard = 0; guard < 1_000_000 && next < count; guard++) {
      const from = next;
      next = Math.min(count, next + PER_BATCH);
      const parts: string[] = [];
      for (let i = from; i < next; i++) parts.push(articleJson(tag, i, date));
      const { results } = await call<{ results: { status: string }[] }>(`${node.peerUrl}/v1/takethis`, 'POST', `{"articles":[${parts.join(',')}]}`, token);
      const bad = results.find((r) => r.status !== 'accepted');
      if (bad) throw new Error(`feeder article refused: ${JSON.stringify(bad)}`);
    }
  };
  await Promise.all(Array.from({ length: FEEDERS }, worker));
  return count / ((performance.now() - t0) / 1000);
}

async function stats(node: NodeProcess): Promise<{ articles: number }> {
  return call(`${node.webUrl}/api/stats`, 'GET');
}

async function waitArticles(node: NodeProcess, n: number): Promise<number> {
  const t0 = Date.now();
  for (let i = 0; i < 100_000; i++) {
    if ((await stats(node)).articles >= n) return performance.now();
    if (Date.now() - t0 > LIMIT_MS) throw new Error(`${node.name} stuck below ${n} articles`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('unreachable');
}

export async function gossipLinkSection(): Promise<Record<string, unknown>> {
  const da = tempDir('newsmesh-bench-link-a-');
  const db = tempDir('newsmesh-bench-link-b-');
  const env = { NEWSMESH_LOG_LEVEL: 'warn' };
  let a: NodeProcess | undefined;
  let b: NodeProcess | undefined;
  try {
    a = await spawnNode(['--data', da.dir, '--name', 'bench-a'], env);
    const feeder = await PeerClient.connect(a.peerUrl, { name: 'bench-feeder', token: 'bench-feeder-token-0123456789' });
    const hello = { token: feeder.tokenOut! };

    // 1. Yardstick: A's own ingest rate, no peers.
    const ownIngest = await feed(a, hello.token, 'own', YARDSTICK);

    // 2. Streaming: fed on A, stored on B.
    b = await spawnNode(['--data', db.dir, '--name', 'bench-b'], env);
    await call(`${a.webUrl}/api/peers`, 'POST', { url: b.peerUrl });
    const t0 = performance.now();
    const feedRate = await feed(a, hello.token, 'stream', STREAM);
    const tEnd = await waitArticles(b, STREAM);
    const streamRate = STREAM / ((tEnd - t0) / 1000);

    // 3. Backlog: B away while A takes BACKLOG articles, then B returns and drains them.
    b.child.kill('SIGTERM');
    await b.exited;
    await feed(a, hello.token, 'backlog', BACKLOG);
    const rows = await call<{ name: string; backlog: number; state: string }[]>(`${a.webUrl}/api/peers`, 'GET');
    const queued = rows.find((r) => r.name === 'bench-b')?.backlog ?? -1;
    const t1 = performance.now();
    const cpuA0 = cpuUs(a.child.pid);
    b = await spawnNode(['--data', db.dir], env);
    const tDrained = await waitArticles(b, STREAM + BACKLOG);
    // CPU per drained article: the figure the machine's other load does not change (B's includes its start-up).
    const drainCpu = { senderUsPerArticle: Math.round((cpuUs(a.child.pid) - cpuA0) / BACKLOG), receiverUsPerArticle: Math.round(cpuUs(b.child.pid) / BACKLOG) };
    const drainRate = BACKLOG / ((tDrained - t1) / 1000);
    const peerRow = (await call<Record<string, unknown>[]>(`${a.webUrl}/api/peers`, 'GET')).find((r) => r.name === 'bench-b');
    return {
      articleBodyBytes: 1024,
      ownIngestPerSec: Math.round(ownIngest),
      stream: { articles: STREAM, feedPerSec: Math.round(feedRate), deliveredPerSec: Math.round(streamRate), ofOwnIngest: +(streamRate / ownIngest).toFixed(2) },
      backlog: { queued, drainPerSec: Math.round(drainRate), ...drainCpu, drainSecondsIncludingRestart: +((tDrained - t1) / 1000).toFixed(2), ofOwnIngest: +(drainRate / ownIngest).toFixed(2) },
      link: peerRow,
      targets: { deliveredPerSecMin: 15_000, ofOwnIngestMin: 0.5 },
    };
  } finally {
    for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all([a?.exited, b?.exited]);
    await agent.close();
    da.cleanup();
    db.cleanup();
  }
}
