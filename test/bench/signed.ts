/**
 * Bench section `signed` (issue 12): (1) ingest of 1 KiB articles pushed by a peer over
 * /v1/takethis into a `newsmesh start` PROCESS, signed (each verified once in the node's
 * worker pool) next to unsigned, measured in the same run on the same node, in alternating
 * rounds (median); (2) `POST /api/articles` with signing (every local post is signed) at 16
 * connections, on a fresh node process, with a check that what it stored is signed. The
 * articles are signed before the clock starts: the feeder costs the same in both rounds.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Agent } from 'undici';
import { articleSigner } from '../../node/identity/article-signing';
import { PeerClient } from '../helpers/peer-client';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { cannon } from './api';
import { median } from './ingest';

const PER_ROUND = Number(process.env.BENCH_SIGNED_ROUND ?? 20_000);
const ROUNDS = Number(process.env.BENCH_SIGNED_ROUNDS ?? 3);
const BODY = 'x'.repeat(1023) + '\n';
const PER_BATCH = 800;
const FEEDERS = 3;

const agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });

async function takethis(url: string, token: string, body: string): Promise<{ status: string; reason?: string }[]> {
  const u = new URL(url);
  const res = await agent.request({
    origin: u.origin,
    path: u.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`takethis: ${res.statusCode} ${text}`);
  return (JSON.parse(text) as { results: { status: string; reason?: string }[] }).results;
}

/** TAKETHIS bodies of `count` articles, signed by `sign` or not, ready to send. */
function batches(tag: string, count: number, sign?: ReturnType<typeof articleSigner>): string[] {
  const date = new Date().toISOString();
  const out: string[] = [];
  for (let from = 0; from < count; from += PER_BATCH) {
    const parts: string[] = [];
    for (let i = from; i < Math.min(count, from + PER_BATCH); i++) {
      const a = { id: `<${tag}.${i}@bench-signer>`, newsgroups: [`bench.signed${i % 4}`], from: 'bench@example', subject: `signed bench ${tag} ${i}`, date, references: [] as string[], path: ['bench-signer'], body: BODY };
      parts.push(JSON.stringify(sign ? { ...a, ...sign.sign(a) } : a));
    }
    out.push(`{"articles":[${parts.join(',')}]}`);
  }
  return out;
}

/** CPU time (ms, user + system, every thread: the verify workers too) of a process so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // utime and stime are fields 14 and 15 of stat; 12 and 13 after the pid and the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}
const TICKS = 100;

/** Sends the batches with FEEDERS requests in flight; articles/s until the last is committed. */
async function feed(node: NodeProcess, token: string, bodies: string[], count: number, cpu?: number[]): Promise<number> {
  let next = 0;
  const c0 = cpuMs(node.child.pid!);
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const results = await takethis(`${node.peerUrl}/v1/takethis`, token, bodies[next++]);
      const bad = results.find((r) => r.status !== 'accepted');
      if (bad) throw new Error(`feeder article refused: ${JSON.stringify(bad)}`);
    }
  };
  await Promise.all(Array.from({ length: FEEDERS }, worker));
  const rate = count / ((performance.now() - t0) / 1000);
  cpu?.push(((cpuMs(node.child.pid!) - c0) * 1000) / count);
  return rate;
}

async function peerIngest(): Promise<Record<string, unknown>> {
  const dir = tempDir('newsmesh-bench-signed-');
  let node: NodeProcess | undefined;
  try {
    node = await spawnNode(['--data', dir.dir, '--name', 'bench-signed'], { NEWSMESH_LOG_LEVEL: 'warn' });
    const feeder = await PeerClient.connect(node.peerUrl, { name: 'bench-signer', token: 'bench-signer-token-0123456789' });
    const signer = articleSigner(feeder.key);
    const token = feeder.tokenOut!;
    // Warm-up: JIT, the verify workers started, LevelDB's first files.
    await feed(node, token, batches('warm-u', 4_000), 4_000);
    await feed(node, token, batches('warm-s', 4_000, signer), 4_000);
    const unsigned: number[] = [];
    const signed: number[] = [];
    const cpuUnsigned: number[] = [];
    const cpuSigned: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const u = batches(`u${r}`, PER_ROUND);
      unsigned.push(await feed(node, token, u, PER_ROUND, cpuUnsigned));
      const s = batches(`s${r}`, PER_ROUND, signer);
      signed.push(await feed(node, token, s, PER_ROUND, cpuSigned));
    }
    const sample = (await (await fetch(`${node.webUrl}/api/articles/${encodeURIComponent('<s0.0@bench-signer>')}`)).json()) as { signedBy?: { name?: string } | null };
    const u = median(unsigned);
    const s = median(signed);
    return {
      articleBodyBytes: 1024,
      perRound: PER_ROUND,
      rounds: ROUNDS,
      unsignedPerSec: Math.round(u),
      signedPerSec: Math.round(s),
      signedOfUnsigned: +(s / u).toFixed(2),
      roundsUnsigned: unsigned.map(Math.round),
      roundsSigned: signed.map(Math.round),
      // The node process's CPU per article (all threads): what a verification adds, whatever the load.
      cpuUsPerArticleUnsigned: Math.round(median(cpuUnsigned)),
      cpuUsPerArticleSigned: Math.round(median(cpuSigned)),
      verifyWorkers: process.env.NEWSMESH_VERIFY_WORKERS ?? 'default',
      loadAverage1m: loadavg()[0],
      sampleSignedBy: sample.signedBy ?? null,
      target: { signedOfUnsignedMin: 0.6 },
      met: s / u >= 0.6,
    };
  } finally {
    if (node && node.child.exitCode === null) node.child.kill('SIGTERM');
    await node?.exited;
    dir.cleanup();
  }
}

async function signedPosts(): Promise<Record<string, unknown>> {
  const dir = tempDir('newsmesh-bench-signed-api-');
  let node: NodeProcess | undefined;
  try {
    node = await spawnNode(['--data', dir.dir], { NEWSMESH_LOG_LEVEL: 'warn' });
    await cannon(`${node.webUrl}/api/articles`, 2);
    const c0 = cpuMs(node.child.pid!);
    const f = await cannon(`${node.webUrl}/api/articles`, 8);
    const cpuUsPerPost = Math.round(((cpuMs(node.child.pid!) - c0) * 1000) / f.total2xx);
    const rows = (await (await fetch(`${node.webUrl}/api/groups/bench.api/articles?after=0&limit=1`)).json()) as { id: string }[];
    const one = (await (await fetch(`${node.webUrl}/api/articles/${encodeURIComponent(rows[0].id)}`)).json()) as { signature?: string; signedBy?: unknown };
    return {
      connections: 16,
      ...f,
      storedSigned: typeof one.signature === 'string' && one.signedBy !== null,
      cpuUsPerPost,
      loadAverage1m: loadavg()[0],
      target: { postsPerSec: 5000, p99Ms: 15 },
      met: f.postsPerSec >= 5000 && f.p99Ms < 15 && f.non2xx === 0,
    };
  } finally {
    if (node && node.child.exitCode === null) node.child.kill('SIGTERM');
    await node?.exited;
    dir.cleanup();
  }
}

export async function signedSection(): Promise<Record<string, unknown>> {
  try {
    return { peerIngest: await peerIngest(), post: await signedPosts() };
  } finally {
    await agent.close();
  }
}
