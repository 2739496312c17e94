/**
 * Bench section `mirror`: two real node processes on loopback. Fills a source with 100,000
 * articles of 1 KiB (POST /api/import), mirrors them into a fresh node (articles/s and the
 * mirroring node's peak RSS from /proc VmHWM), re-mirrors the unchanged group (seconds), and
 * exports the group to mbox over the local API (articles/s). A second mirror into a node with
 * a capped V8 old space shows the live memory is flat.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

const N = Number(process.env.BENCH_MIRROR_N ?? 100_000);
const GROUP = 'bench.mirror';
const BODY = 'x'.repeat(1023) + '\n';
const CAP_MIB = 80;

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

interface Job {
  id: string;
  state: string;
  done: number;
  total: number;
  error?: string;
  startedAt?: string;
}

async function waitDone(webUrl: string, id: string, since: string | undefined, timeoutMs: number, pollMs: number): Promise<Job> {
  return waitFor(
    `mirror ${id} finished`,
    async () => {
      const jobs = (await (await fetch(`${webUrl}/api/mirrors`)).json()) as Job[];
      const job = jobs.find((j) => j.id === id);
      return job && job.state !== 'running' && job.startedAt !== since && job;
    },
    { timeoutMs, everyMs: pollMs },
  );
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

async function stop(p: NodeProcess): Promise<void> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

export async function mirrorSection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-bench-mirror-');
  const procs: NodeProcess[] = [];
  try {
    const source = await spawnNode(['--data', join(tmp.dir, 'source'), '--name', 'bench-source']);
    procs.push(source);
    const date = new Date().toISOString();
    const t0 = Date.now();
    for (let start = 0; start < N; start += 1000) {
      const articles = [];
      for (let i = start; i < Math.min(N, start + 1000); i++) {
        articles.push({ id: `<bench.${i}@bench-origin>`, newsgroups: [GROUP], from: 'bench@example', subject: `article ${i}`, date, references: [], path: ['bench-origin'], body: BODY });
      }
      await post(`${source.webUrl}/api/import`, { articles });
    }
    const fillSecs = (Date.now() - t0) / 1000;

    const sink = await spawnNode(['--data', join(tmp.dir, 'sink'), '--name', 'bench-sink']);
    procs.push(sink);
    const rssBefore = peakRssMiB(sink.child.pid!);
    const t1 = Date.now();
    const { id } = (await post(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: GROUP })) as { id: string };
    const job = await waitDone(sink.webUrl, id, undefined, 600_000, 100);
    const mirrorSecs = (Date.now() - t1) / 1000;
    const peakRss = peakRssMiB(sink.child.pid!);
    if (job.state !== 'done' || job.done !== N) throw new Error(`mirror ended ${JSON.stringify(job)}`);

    const t2 = Date.now();
    await post(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: GROUP });
    const again = await waitDone(sink.webUrl, id, job.startedAt, 60_000, 5);
    const remirrorSecs = (Date.now() - t2) / 1000;
    if (again.done !== N) throw new Error(`re-mirror ended ${JSON.stringify(again)}`);

    // The same mirror into a node whose V8 old space is capped: shows that the live memory is
    // flat (the default peak is V8 collecting lazily, not data kept) and what a cap costs.
    const capped = await spawnNode(['--data', join(tmp.dir, 'capped'), '--name', 'bench-capped'], { NODE_OPTIONS: `--max-old-space-size=${CAP_MIB}` });
    procs.push(capped);
    const t4 = Date.now();
    const c = (await post(`${capped.webUrl}/api/mirrors`, { peer: source.peerUrl, group: GROUP })) as { id: string };
    const cappedJob = await waitDone(capped.webUrl, c.id, undefined, 600_000, 100);
    const cappedSecs = (Date.now() - t4) / 1000;
    const cappedPeak = peakRssMiB(capped.child.pid!);
    if (cappedJob.done !== N) throw new Error(`capped mirror ended ${JSON.stringify(cappedJob)}`);
    await stop(capped);

    const t3 = Date.now();
    const res = await fetch(`${source.webUrl}/api/groups/${GROUP}/export?format=mbox`);
    let bytes = 0;
    let messages = 0;
    // Count envelope lines on the raw bytes (no decoding: the client should cost little);
    // a line may straddle two chunks, so the last few bytes are carried over.
    const needle = Buffer.from('\nFrom newsmesh ');
    let carry = Buffer.alloc(0);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1)) messages++;
      carry = Buffer.from(buf.subarray(Math.max(0, buf.length - needle.length + 1)));
    }
    // The first envelope opens the file, with no newline before it.
    if (bytes > 0) messages++;
    const exportSecs = (Date.now() - t3) / 1000;
    if (messages !== N) throw new Error(`export held ${messages} messages, expected ${N}`);

    return {
      articles: N,
      articleBodyBytes: BODY.length,
      fillArticlesPerSec: Math.round(N / fillSecs),
      mirrorSecs,
      mirrorArticlesPerSec: Math.round(N / mirrorSecs),
      mirrorTargetArticlesPerSec: 20_000,
      sinkRssMiBAtStart: rssBefore,
      sinkPeakRssMiB: peakRss,
      sinkPeakRssTargetMiB: 200,
      cappedOldSpaceMiB: CAP_MIB,
      cappedMirrorArticlesPerSec: Math.round(N / cappedSecs),
      cappedSinkPeakRssMiB: cappedPeak,
      remirrorUnchangedSecs: remirrorSecs,
      remirrorTargetSecs: 1,
      exportMboxSecs: exportSecs,
      exportMboxBytes: bytes,
      exportMboxArticlesPerSec: Math.round(N / exportSecs),
      exportTargetArticlesPerSec: 50_000,
    };
  } finally {
    await Promise.all(procs.map(stop));
    tmp.cleanup();
  }
}
