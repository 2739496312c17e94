/**
 * The soak (issue 11, item 5): N node processes, each behind a fault proxy, peered in a ring
 * with chords, take a steady stream of posts (a fifth of them replies) at random nodes; one
 * node is restarted at random every so often (SIGKILL and SIGTERM in turn, back with --check),
 * a mirror job starts now and then, and a link fault (reset, stall, refuse, delay, trickle)
 * hits a random proxy for a few seconds. Every process's RSS is sampled. At the end the posting
 * stops, the network must converge on every acknowledged article, mirror jobs must be done,
 * every store must pass `newsmesh check`, and no process may have logged an unexplained error.
 * The schedule comes from a seed. The report is returned and, with `out`, written as JSON and
 * as a text chart.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { converged, holdings, missing } from '../helpers/convergence';
import { rng } from '../helpers/graph';
import { runCli } from '../helpers/process';
import { waitFor } from '../helpers/wait';
import { scanLogs, type LogScan } from './log-scan';
import { memoryVerdicts, rssChart, rssMb, type RssSample } from './rss';
import { SoakNode } from './soak-node';

export interface SoakOptions {
  durationMs: number;
  nodes: number;
  postsPerSec: number;
  restartEveryMs: number;
  mirrorEveryMs: number;
  faultEveryMs: number;
  sampleEveryMs: number;
  /** How long the network may take to converge once posting stops. */
  convergeMs: number;
  seed: number;
  /** Directory for soak-latest.json and soak-latest.txt. */
  out?: string;
  progress?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  durationS: number;
  nodes: number;
  postsPerSecTarget: number;
  postsAcked: number;
  postsPerSecAchieved: number;
  /** Posts refused or failed by a node that was up and stayed up (each is a finding). */
  postsFailedWhileUp: string[];
  /** Posts cut off by a restart (never acknowledged, so not owed). */
  postsCutByRestart: number;
  restarts: { sigkill: number; sigterm: number };
  /** Seconds from each restart's spawn to its ready line (with --check), in order. */
  restartSeconds: number[];
  /** Restarts that did not come back (each is a finding; the node is started again at the end). */
  restartFailures: string[];
  faults: Record<string, number>;
  mirrorJobs: { node: string; from: string; group: string; state: string; done: number; total: number }[];
  convergedInMs: number | null;
  articlesLost: number;
  lostSample: string[];
  numberingProblems: string[];
  checks: { node: string; ok: boolean; line: string }[];
  logs: LogScan;
  rss: RssSample[];
  chart: string;
}

const GROUPS = 10;

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const rand = rng(o.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const say = o.progress ?? (() => undefined);
  const nodes: SoakNode[] = [];
  const acked: string[] = [];
  const report: SoakReport = {
    seed: o.seed,
    durationS: o.durationMs / 1000,
    nodes: o.nodes,
    postsPerSecTarget: o.postsPerSec,
    postsAcked: 0,
    postsPerSecAchieved: 0,
    postsFailedWhileUp: [],
    postsCutByRestart: 0,
    restarts: { sigkill: 0, sigterm: 0 },
    restartSeconds: [],
    restartFailures: [],
    faults: {},
    mirrorJobs: [],
    convergedInMs: null,
    articlesLost: 0,
    lostSample: [],
    numberingProblems: [],
    checks: [],
    logs: { unexplained: [], explained: {}, warnings: {}, lines: 0 },
    rss: [],
    chart: '',
  };
  const jobs: { node: SoakNode; id: string; from: string; group: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  let t0 = Date.now();
  const elapsedS = () => Math.round((Date.now() - t0) / 100) / 10;
  const sample = () => {
    for (const n of nodes) {
      const mb = n.pid && n.up ? rssMb(n.pid) : null;
      if (mb !== null) report.rss.push({ t: Math.round(elapsedS()), node: n.name, pid: n.pid!, mb, articles: acked.length });
    }
  };

  try {
    for (let i = 0; i < o.nodes; i++) nodes.push(await SoakNode.make(`soak-${i}`));
    for (const n of nodes) await n.start();
    // A ring with chords: every node has two or three neighbours, and two paths to most.
    const edges: [number, number][] = [];
    for (let i = 0; i < o.nodes; i++) edges.push([i, (i + 1) % o.nodes]);
    for (let i = 0; i + 2 < o.nodes - 1; i += 2) edges.push([i, i + 2]);
    for (const [a, b] of edges) {
      const res = await post(`${nodes[a].webUrl}/api/peers`, { url: nodes[b].publicUrl });
      if (res.status !== 201) throw new Error(`peering ${a}-${b}: ${res.status} ${await res.text()}`);
    }
    // The run's clock starts once the nodes are up and peered: on a loaded machine that can
    // take longer than a short run, which then posted nothing at all.
    t0 = Date.now();
    sample();

    // ---- the run: a pacer for posts, and the restart, mirror, fault and sample schedules ----
    let inFlight = 0;
    let sent = 0;
    const postOne = async () => {
      const live = nodes.filter((n) => n.up);
      if (live.length === 0) return;
      const n = pick(live);
      const pid = n.pid;
      const parent = acked.length > 0 && rand() < 0.2 ? acked[acked.length - 1 - Math.floor(rand() * Math.min(1000, acked.length))] : undefined;
      const i = sent;
      try {
        const res = await post(`${n.webUrl}/api/articles`, {
          newsgroups: [`soak.${Math.floor(rand() * GROUPS)}`],
          from: `poster${i % 17}@example`,
          subject: parent ? `Re: soak ${i}` : `soak ${i}`,
          body: `soak post ${i}\n${'lorem ipsum '.repeat(15 + Math.floor(rand() * 80))}\n`,
          ...(parent ? { references: [parent] } : {}),
        });
        const text = await res.text();
        if (res.status === 201) acked.push((JSON.parse(text) as { id: string }).id);
        else if (n.up && n.pid === pid) report.postsFailedWhileUp.push(`${n.name}: ${res.status} ${text.slice(0, 200)}`);
        else report.postsCutByRestart++;
      } catch (err) {
        if (n.up && n.pid === pid) report.postsFailedWhileUp.push(`${n.name}: ${(err as Error).message}`);
        else report.postsCutByRestart++;
      }
    };
    let restarting: Promise<void> = Promise.resolve();
    let restartBusy = false;
    let restartOwed = false;
    const posting = () => Date.now() - t0 < o.durationMs;
    const restart = () => {
      const live = nodes.filter((n) => n.up);
      // A start slower than the schedule (--check on a big store) owes one turn, taken as soon
      // as it is up and only while posting goes on: restarts neither pile up nor go missing.
      if (restartBusy) return void (restartOwed = true);
      if (live.length < 2) return;
      restartBusy = true;
      const n = pick(live);
      const signal = (report.restarts.sigkill + report.restarts.sigterm) % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
      restarting = restarting.then(async () => {
        const code = await n.stop(signal);
        if (signal === 'SIGTERM' && code !== 0) report.postsFailedWhileUp.push(`${n.name}: exit ${code} on SIGTERM`);
        report.restarts[signal === 'SIGKILL' ? 'sigkill' : 'sigterm']++;
        const t = Date.now();
        await n.start();
        report.restartSeconds.push(Math.round((Date.now() - t) / 100) / 10);
        say(`${elapsedS()} s: ${n.name} restarted after ${signal} (ready in ${report.restartSeconds[report.restartSeconds.length - 1]} s)`);
      }).catch((err: unknown) => {
        // Recorded, and the schedule goes on: one failed start must not end the soak unreported.
        report.restartFailures.push(`${elapsedS()} s: ${n.name}: ${(err as Error).message.slice(0, 300)}`);
        say(`${elapsedS()} s: ${n.name} did not come back: ${(err as Error).message.slice(0, 200)}`);
      }).finally(() => {
        restartBusy = false;
        if (restartOwed && posting()) {
          restartOwed = false;
          restart();
        }
      });
    };
    const mirror = async () => {
      const live = nodes.filter((n) => n.up);
      if (live.length < 2) return;
      const a = pick(live);
      // From a node that is up: a source in the middle of a restart refuses the job (422).
      const b = pick(live.filter((n) => n !== a));
      const group = `soak.${Math.floor(rand() * GROUPS)}`;
      const res = await post(`${a.webUrl}/api/mirrors`, { peer: b.publicUrl, group }).catch(() => null);
      if (res?.status === 202) jobs.push({ node: a, id: ((await res.json()) as { id: string }).id, from: b.name, group });
      say(`${elapsedS()} s: mirror job ${group} from ${b.name} on ${a.name}: ${res?.status ?? 'not reachable'}`);
    };
    const fault = () => {
      const p = pick(nodes).proxy;
      const kind = pick(['reset', 'stall', 'refuse', 'delay', 'trickle'] as const);
      report.faults[kind] = (report.faults[kind] ?? 0) + 1;
      if (kind === 'reset') return p.reset();
      if (kind === 'stall' || kind === 'refuse') p.cut(kind);
      if (kind === 'delay') p.delay(200, 100);
      if (kind === 'trickle') p.trickle(64 * 1024);
      later(2_000 + Math.floor(rand() * 3_000), () => p.clear());
    };
    const schedule = (every: number, first: number, fn: () => void | Promise<void>) => {
      const tick = (at: number) =>
        later(at - (Date.now() - t0), () => {
          if (!posting()) return;
          void fn();
          tick(at + every);
        });
      tick(first);
    };
    schedule(o.restartEveryMs, o.restartEveryMs, restart);
    schedule(o.mirrorEveryMs, o.mirrorEveryMs / 2, mirror);
    schedule(o.faultEveryMs, o.faultEveryMs / 3, fault);
    schedule(o.sampleEveryMs, o.sampleEveryMs, () => {
      sample();
      say(`${elapsedS()} s: ${acked.length} posts acknowledged, ${inFlight} in flight`);
    });
    // The pacer: posts due by now go out at once (a steady rate, not a burst per tick).
    while (posting()) {
      const due = Math.floor(((Date.now() - t0) / 1000) * o.postsPerSec);
      while (sent < due && inFlight < 200) {
        sent++;
        inFlight++;
        void postOne().finally(() => inFlight--);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    report.postsPerSecAchieved = Math.round(acked.length / (o.durationMs / 1000));
    await waitFor('the last posts to be answered', () => inFlight === 0, { timeoutMs: 60_000 });
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await restarting;
    for (const n of nodes) n.proxy.clear();
    for (const n of nodes) if (!n.up) await n.start();
    report.postsAcked = acked.length;
    say(`${elapsedS()} s: posting stopped at ${acked.length}; waiting for the network to converge`);

    // ---- convergence, mirror jobs, numbering, checks ----------------------------------
    const expected = new Set(acked);
    const stopAt = Date.now();
    try {
      const all = await converged(nodes, expected, { timeoutMs: o.convergeMs });
      report.convergedInMs = Date.now() - stopAt;
      report.numberingProblems = all.flatMap((h, i) => h.problems.map((p) => `${nodes[i].name}: ${p}`));
    } catch (err) {
      say(`not converged: ${(err as Error).message}`);
    }
    const lost = new Set<string>();
    for (const n of nodes) {
      const h = await holdings(n.webUrl);
      for (const id of missing(h, expected, Infinity)) lost.add(id);
      if (report.convergedInMs === null) report.numberingProblems.push(...h.problems.map((p) => `${n.name}: ${p}`));
    }
    report.articlesLost = lost.size;
    report.lostSample = [...lost].slice(0, 20);
    await waitFor('mirror jobs to finish', async () => {
      const rows = await Promise.all(jobs.map(async (j) => ((await (await fetch(`${j.node.webUrl}/api/mirrors`)).json()) as { id: string; state: string }[]).find((r) => r.id === j.id)));
      return rows.every((r) => r && r.state !== 'running');
    }, { timeoutMs: 60_000 }).catch(() => undefined);
    for (const j of jobs) {
      const row = ((await (await fetch(`${j.node.webUrl}/api/mirrors`)).json()) as { id: string; state: string; done: number; total: number }[]).find((r) => r.id === j.id);
      report.mirrorJobs.push({ node: j.node.name, from: j.from, group: j.group, state: row?.state ?? 'missing', done: row?.done ?? 0, total: row?.total ?? 0 });
    }
    sample();
    for (const n of nodes) {
      const code = await n.stop('SIGTERM');
      if (code !== 0) report.postsFailedWhileUp.push(`${n.name}: exit ${code} on the final SIGTERM`);
      const r = await runCli(['check', '--data', n.dir], { timeoutMs: 120_000 });
      report.checks.push({ node: n.name, ok: r.code === 0, line: (r.stdout + r.stderr).trim().split('\n').pop() ?? '' });
    }
    report.logs = scanLogs(nodes.flatMap((n) => n.allLogs()));
  } finally {
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled(nodes.map((n) => n.destroy()));
  }
  report.chart = rssChart(report.rss, o.sampleEveryMs / 1000);
  if (o.out) writeReport(o.out, report);
  return report;
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The one-screen summary that goes above the chart. */
export function summary(r: SoakReport): string {
  const faults = Object.entries(r.faults).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  return [
    `soak: ${r.nodes} processes, ${r.durationS} s at ${r.postsPerSecTarget} posts/s (seed ${r.seed})`,
    `posts acknowledged ${r.postsAcked} (${r.postsPerSecAchieved}/s), cut by a restart ${r.postsCutByRestart}, failed while up ${r.postsFailedWhileUp.length}`,
    `restarts ${r.restarts.sigkill} SIGKILL + ${r.restarts.sigterm} SIGTERM (ready in ${r.restartSeconds.join(', ')} s; failed ${r.restartFailures.length}); link faults ${faults}`,
    `mirror jobs: ${r.mirrorJobs.map((j) => `${j.group} ${j.from}->${j.node} ${j.state} ${j.done}/${j.total}`).join('; ') || 'none'}`,
    `converged in ${r.convergedInMs === null ? 'NOT converged' : `${(r.convergedInMs / 1000).toFixed(1)} s`}; articles lost ${r.articlesLost}; numbering problems ${r.numberingProblems.length}`,
    `newsmesh check: ${r.checks.map((c) => `${c.node} ${c.ok ? 'ok' : `FAILED (${c.line})`}`).join(', ')}`,
    `memory (end vs warmed up, allowed for the articles stored in between): ${memoryVerdicts(r.rss).map((v) => `${v.node} ${v.endMb} MB at ${v.endArticles} articles vs ${v.warmMb} MB at ${v.warmArticles} (allowed ${v.allowedMb}) ${v.ok ? 'ok' : 'GROWN'}`).join('; ')}`,
    `log lines ${r.logs.lines}: unexplained errors ${r.logs.unexplained.length}; warnings ${Object.entries(r.logs.warnings).map(([m, n]) => `${n}x "${m}"`).join(', ') || 'none'}`,
  ].join('\n');
}

function writeReport(dir: string, r: SoakReport): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'soak-latest.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, 'soak-latest.txt'), `${summary(r)}\n\n${r.chart}`);
}
