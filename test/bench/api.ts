/**
 * Bench section `api`: POST /api/articles throughput and p99 latency with autocannon at 16
 * connections over loopback against a node PROCESS (the built CLI), and in the same run the
 * yardstick: a bare fastify process whose one route parses the same 1 KiB JSON body. Each
 * target runs in its own process so both compete with autocannon for the 2 cores alike.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawnNode } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { spawnListening, stopChild } from '../helpers/child';

const CONNECTIONS = 16;
const WARMUP_S = 2;
const DURATION_S = 8;
const ROOT = join(__dirname, '..', '..', '..');

/** A ~1 KiB post body (the JSON is a little over 1 KiB with the other fields). */
const POST = JSON.stringify({ newsgroups: ['bench.api'], from: 'bench@example', subject: 'bench post', body: 'y'.repeat(1000) });

/** The yardstick: fastify with its default JSON parser and one route, nothing else. */
const BARE = `
const app = require('fastify')();
app.post('/api/articles', async (req, reply) => { if (typeof req.body.body !== 'string') throw new Error('bad'); reply.code(201); return { id: '<x@y>' }; });
app.listen({ host: '127.0.0.1', port: 0 }).then((a) => process.stdout.write('listening ' + a + '\\n'));
`;

interface Figures {
  postsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  total2xx: number;
}

export function cannon(url: string, seconds: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, method: 'POST', connections: CONNECTIONS, duration: seconds, headers: { 'content-type': 'application/json' }, body: POST },
      (err, r) => {
        if (err) return reject(err);
        resolve({
          postsPerSec: Math.round(r['2xx'] / r.duration),
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          non2xx: r.non2xx,
          errors: r.errors,
          total2xx: r['2xx'],
        });
      },
    );
  });
}

/** CPU time (ms, user + system, every thread) of a process so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // utime and stime are fields 14 and 15 of stat; 12 and 13 after the pid and the name (100 ticks a second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function spawnBare(): Promise<{ child: ChildProcess; url: string }> {
  return spawnListening(BARE, [], ROOT);
}

const stop = stopChild;

export async function apiSection(): Promise<Record<string, unknown>> {
  const bare = await spawnBare();
  let yardstick: Figures;
  try {
    await cannon(`${bare.url}/api/articles`, WARMUP_S);
    yardstick = await cannon(`${bare.url}/api/articles`, DURATION_S);
  } finally {
    await stop(bare.child);
  }

  const tmp = tempDir('newsmesh-bench-api-');
  const node = await spawnNode(['--data', tmp.dir], { NEWSMESH_LOG_LEVEL: 'warn' });
  let nodeFigures: Figures;
  let stored: number;
  let nodeCpuUsPerPost: number;
  try {
    await cannon(`${node.webUrl}/api/articles`, WARMUP_S);
    const c0 = cpuMs(node.child.pid!);
    nodeFigures = await cannon(`${node.webUrl}/api/articles`, DURATION_S);
    // The node's CPU per answered post: what the code costs, whatever the neighbours' load.
    nodeCpuUsPerPost = Math.round(((cpuMs(node.child.pid!) - c0) * 1000) / Math.max(1, nodeFigures.total2xx));
    const stats = (await (await fetch(`${node.webUrl}/api/stats`)).json()) as { articles: number };
    stored = stats.articles;
  } finally {
    await stop(node.child);
    tmp.cleanup();
  }
  return {
    connections: CONNECTIONS,
    durationS: DURATION_S,
    bodyBytes: Buffer.byteLength(POST),
    node: nodeFigures,
    nodeCpuUsPerPost,
    bareFastify: yardstick,
    ratioToBareFastify: Number((nodeFigures.postsPerSec / yardstick.postsPerSec).toFixed(2)),
    articlesStoredByNode: stored,
    target: { postsPerSec: 8000, p99Ms: 15 },
    met: nodeFigures.postsPerSec >= 8000 && nodeFigures.p99Ms < 15 && nodeFigures.non2xx === 0,
  };
}
