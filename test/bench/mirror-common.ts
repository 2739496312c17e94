/**
 * What the `mirror` and `swarm` bench sections share: filling sources with generated 1 KiB
 * articles, starting a mirror job and waiting for its end, and reading a process's CPU time
 * and peak RSS from /proc, so both report the same figures measured the same way.
 */
import { readFileSync } from 'node:fs';
import { stopNode, type NodeProcess } from '../helpers/process';
import { PeerClient } from '../helpers/peer-client';

export const BODY = 'x'.repeat(1023) + '\n';

export async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

export interface BenchJob {
  id: string;
  state: string;
  done: number;
  total: number;
  error?: string;
  startedAt?: string;
  sources?: { url: string; done: number; state: string }[];
}

function articles(prefix: string, group: string, start: number, end: number, date: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = start; i < end; i++) {
    out.push({ id: `<${prefix}.${i}@bench-origin>`, newsgroups: [group], from: 'bench@example', subject: `article ${i}`, date, references: [], path: ['bench-origin'], body: BODY });
  }
  return out;
}

/**
 * Fills every source with the same `count` articles through POST /api/import, which signs each
 * with the source's node key (issue 12): every one is verified when it is mirrored.
 */
export async function fillSigned(sources: NodeProcess[], group: string, prefix: string, count: number): Promise<void> {
  const date = new Date().toISOString();
  for (let start = 0; start < count; start += 1000) {
    const batch = articles(prefix, group, start, Math.min(count, start + 1000), date);
    await Promise.all(sources.map((s) => post(`${s.webUrl}/api/import`, { articles: batch })));
  }
}

/**
 * Fills one source with unsigned articles, pushed by a peer over TAKETHIS (a peer's articles
 * keep what they carry: nothing signs them): a mirror of these verifies nothing, which shows
 * what verification costs. Never the signed figure.
 */
export async function fillUnsigned(source: NodeProcess, group: string, prefix: string, count: number): Promise<void> {
  const peer = await PeerClient.connect(source.peerUrl, { name: 'bench-feeder' });
  const date = new Date().toISOString();
  for (let start = 0; start < count; start += 500) {
    const r = await peer.takethis(articles(prefix, group, start, Math.min(count, start + 500), date));
    if (r.status !== 200) throw new Error(`takethis: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  }
}

/** Starts a mirror job (one source or a swarm) and polls it to its end; throws unless all `count` are held. */
export async function mirrorAndWait(sink: NodeProcess, peers: string[], group: string, count: number, opts: { pollMs?: number; timeoutMs?: number } = {}): Promise<{ secs: number; job: BenchJob }> {
  const t0 = Date.now();
  const { id } = (await post(`${sink.webUrl}/api/mirrors`, peers.length === 1 ? { peer: peers[0], group } : { peers, group })) as { id: string };
  const deadline = t0 + (opts.timeoutMs ?? 600_000);
  while (Date.now() < deadline) {
    const job = (await (await fetch(`${sink.webUrl}/api/mirrors/${id}`)).json()) as BenchJob;
    if (job.state !== 'running') {
      if (job.state !== 'done' || job.done !== count) throw new Error(`mirror ended ${JSON.stringify(job)}`);
      return { secs: (Date.now() - t0) / 1000, job };
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
  }
  throw new Error(`mirror ${id} not finished in time`);
}

/** CPU seconds (user + system) from a /proc stat file. */
function statCpuSecs(file: string): number {
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds (user + system) a process has used so far, all its threads. */
export const cpuSecs = (pid: number): number => statCpuSecs(`/proc/${pid}/stat`);

/** CPU seconds of the process's main thread alone (the JavaScript event loop). */
export const mainThreadCpuSecs = (pid: number): number => statCpuSecs(`/proc/${pid}/task/${pid}/stat`);

/** Peak resident set (VmHWM) of a process, MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

export const stop = (p: NodeProcess): Promise<void> => stopNode(p);

/**
 * Runs `fn` and returns what it returns with the CPU time `pid` spent meanwhile, µs per
 * article: all threads, and the main thread alone (the rest: verification workers, LevelDB's
 * and libuv's threads, GC helpers).
 */
export async function withCpu<T>(pid: number, articles: number, fn: () => Promise<T>): Promise<{ value: T; cpuSecs: number; cpuUsPerArticle: number; mainUsPerArticle: number }> {
  const c0 = cpuSecs(pid);
  const m0 = mainThreadCpuSecs(pid);
  const value = await fn();
  const used = cpuSecs(pid) - c0;
  const main = mainThreadCpuSecs(pid) - m0;
  return { value, cpuSecs: Number(used.toFixed(2)), cpuUsPerArticle: Math.round((used * 1e6) / articles), mainUsPerArticle: Math.round((main * 1e6) / articles) };
}
