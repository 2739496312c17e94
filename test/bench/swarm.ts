/**
 * Bench section `swarm` (issue 14): real node processes on loopback. Fills three sources
 * with the same 100,000 articles of 1 KiB, then mirrors into fresh nodes: from one source
 * uncapped (articles/s, the mirroring node's peak RSS), and, with the sources restarted at
 * `--serve-rate 5000`, from one capped source and from all three at once (the swarm), so the
 * ratio is measured in the same run. BENCH_SWARM_PROF=DIR writes the uncapped mirroring
 * node's V8 CPU profile there.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';

const N = Number(process.env.BENCH_SWARM_N ?? 100_000);
const CAP = Number(process.env.BENCH_SWARM_CAP ?? 5000);
const GROUP = 'bench.swarm';
/** A second, smaller group mirrored at a low cap, where the mirroring node's CPU is not the limit. */
const SMALL = Number(process.env.BENCH_SWARM_SMALL_N ?? 10_000);
const SMALL_GROUP = 'bench.swarm.small';
const LOW_CAP = Number(process.env.BENCH_SWARM_LOW_CAP ?? 1000);
const BODY = 'x'.repeat(1023) + '\n';

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
  sources?: { url: string; done: number; state: string }[];
}

async function mirror(sink: NodeProcess, peers: string[], group = GROUP, count = N): Promise<{ secs: number; job: Job }> {
  const t0 = Date.now();
  const { id } = (await post(`${sink.webUrl}/api/mirrors`, peers.length === 1 ? { peer: peers[0], group } : { peers, group })) as { id: string };
  const deadline = t0 + 600_000;
  while (Date.now() < deadline) {
    const job = (await (await fetch(`${sink.webUrl}/api/mirrors/${id}`)).json()) as Job;
    if (job.state !== 'running') {
      if (job.state !== 'done' || job.done !== count) throw new Error(`mirror ended ${JSON.stringify(job)}`);
      return { secs: (Date.now() - t0) / 1000, job };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mirror ${id} not finished in time`);
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

async function stop(p: NodeProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

export async function swarmSection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-bench-swarm-');
  const procs: NodeProcess[] = [];
  const spawn = async (name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    // A loaded machine can take a while to start a node holding 100,000 articles.
    const p = await spawnNode(['--data', join(tmp.dir, name), '--name', name, ...args], env, 120_000);
    procs.push(p);
    return p;
  };
  try {
    const names = ['swarm-a', 'swarm-b', 'swarm-c'];
    let sources = await Promise.all(names.map((n) => spawn(n)));
    const date = new Date().toISOString();
    for (let start = 0; start < N; start += 1000) {
      const articles: Record<string, unknown>[] = [];
      for (let i = start; i < Math.min(N, start + 1000); i++) {
        articles.push({ id: `<swarm.${i}@bench-origin>`, newsgroups: [GROUP], from: 'bench@example', subject: `article ${i}`, date, references: [], path: ['bench-origin'], body: BODY });
      }
      await Promise.all(sources.map((s) => post(`${s.webUrl}/api/import`, { articles })));
    }
    for (let start = 0; start < SMALL; start += 1000) {
      const articles: Record<string, unknown>[] = [];
      for (let i = start; i < Math.min(SMALL, start + 1000); i++) {
        articles.push({ id: `<small.${i}@bench-origin>`, newsgroups: [SMALL_GROUP], from: 'bench@example', subject: `article ${i}`, date, references: [], path: ['bench-origin'], body: BODY });
      }
      await Promise.all(sources.map((s) => post(`${s.webUrl}/api/import`, { articles })));
    }

    // One source, uncapped.
    const prof = process.env.BENCH_SWARM_PROF;
    const sink1 = await spawn('sink-one', [], prof ? { NODE_OPTIONS: `--require ${join(__dirname, "..", "..", "..", "test", "bench", "cpu-profile.js")}`, PROF_DIR: prof } : {});
    const cpu0 = [cpuSecs(sink1.child.pid!), cpuSecs(sources[0].child.pid!)];
    const one = await mirror(sink1, [sources[0].peerUrl]);
    const oneCpu = [cpuSecs(sink1.child.pid!) - cpu0[0], cpuSecs(sources[0].child.pid!) - cpu0[1]];
    const onePeak = peakRssMiB(sink1.child.pid!);
    await stop(sink1);

    // The sources again, each capped.
    await Promise.all(sources.map(stop));
    sources = await Promise.all(names.map((n) => spawn(n, ['--serve-rate', String(CAP)])));
    const sink2 = await spawn('sink-capped');
    const capped = await mirror(sink2, [sources[0].peerUrl]);
    await stop(sink2);
    const sink3 = await spawn('sink-swarm');
    const cpu3 = cpuSecs(sink3.child.pid!);
    const swarm = await mirror(sink3, sources.map((s) => s.peerUrl));
    const swarmSinkCpu = cpuSecs(sink3.child.pid!) - cpu3;
    const swarmPeak = peakRssMiB(sink3.child.pid!);
    await stop(sink3);

    // The swarm effect where the sources' caps are the only limit.
    await Promise.all(sources.map(stop));
    sources = await Promise.all(names.map((n) => spawn(n, ['--serve-rate', String(LOW_CAP)])));
    const sink4 = await spawn('sink-low-one');
    const lowOne = await mirror(sink4, [sources[0].peerUrl], SMALL_GROUP, SMALL);
    const sink5 = await spawn('sink-low-swarm');
    const lowSwarm = await mirror(sink5, sources.map((s) => s.peerUrl), SMALL_GROUP, SMALL);

    const rate = (secs: number) => Math.round(N / secs);
    return {
      articles: N,
      articleBodyBytes: BODY.length,
      oneSourceArticlesPerSec: rate(one.secs),
      oneSourceTargetArticlesPerSec: 20_000,
      oneSourcePeakRssMiB: onePeak,
      // CPU seconds each side spent: with a core each (an idle 2-core machine), the mirror
      // could go no faster than N / the larger of the two. Shows a loaded machine's figures for what they are.
      oneSourceSinkCpuSecs: oneCpu[0],
      oneSourceSourceCpuSecs: oneCpu[1],
      oneSourceCpuBoundArticlesPerSec: Math.round(N / Math.max(oneCpu[0], oneCpu[1])),
      loadAverage1m: loadavg()[0],
      oneSourcePeakRssTargetMiB: 200,
      serveRate: CAP,
      oneCappedSourceArticlesPerSec: rate(capped.secs),
      threeCappedSourcesArticlesPerSec: rate(swarm.secs),
      threeCappedSourcesTargetArticlesPerSec: 12_500,
      swarmOverOneCapped: Number((capped.secs / swarm.secs).toFixed(2)),
      swarmOverOneCappedTarget: 2.5,
      swarmPeakRssMiB: swarmPeak,
      swarmSinkCpuSecs: swarmSinkCpu,
      swarmPerSource: swarm.job.sources?.map((s) => s.done),
      lowCap: LOW_CAP,
      lowCapArticles: SMALL,
      lowCapOneSourceArticlesPerSec: Math.round(SMALL / lowOne.secs),
      lowCapThreeSourcesArticlesPerSec: Math.round(SMALL / lowSwarm.secs),
      lowCapSwarmOverOne: Number((lowOne.secs / lowSwarm.secs).toFixed(2)),
    };
  } finally {
    await Promise.all(procs.map(stop));
    tmp.cleanup();
  }
}
