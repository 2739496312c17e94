/**
 * Bench section `security` (issue 9): a victim `newsmesh start` process (with --web-password)
 * peered with an honest one, measured for a quiet phase and then while an attacker process
 * runs every attack of the issue at once (security-attacks.ts, security-sockets.ts), each at a
 * bounded rate, from its own 127.0.0.x address. Figures, each with its target: the victim's
 * /healthz p99 and RSS, the owner's posts against the quiet phase, the honest peer's article
 * arrival, forged articles accepted, owner actions a foreign page got through; then, in this
 * process, CPU per answered hello with key proof and routing past 1,000 peers' filters.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Agent } from 'undici';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { filterRoutingFigures } from './filter-routing';
import { measureHelloCost } from './hello-cost';
import { FOREIGN_PEER, FOREIGN_SUBJECT, type AttackPlan } from './security-attacks';
import { measurePhase, summarise, summary, type PhaseFigures, type Summary } from './security-measure';
import { waitFor } from '../helpers/wait';

const PASSWORD = 'bench-owner-password-0123';
const BASELINE_MS = Number(process.env.BENCH_SECURITY_BASELINE_S ?? 15) * 1000;
const ATTACK_MS = Number(process.env.BENCH_SECURITY_ATTACK_S ?? 30) * 1000;

const agent = new Agent({ connections: 4, keepAliveTimeout: 4_000 });
const auth = { authorization: `Bearer ${PASSWORD}` };

async function call<T>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; data: T }> {
  const res = await agent.request({
    origin: base,
    path,
    method: method as 'GET',
    headers: { ...(method === 'GET' ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await res.body.text();
  return { status: res.statusCode, data: (text ? JSON.parse(text) : undefined) as T };
}

type PeerRow = { name: string; url: string; state: string; fingerprint?: string };

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  await waitFor(`security bench: ${what}`, check, { timeoutMs: ms, everyMs: 50 });
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Samples the victim's RSS every 200 ms; `peak()` since the last `reset()`. */
function rssSampler(pid: number) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, procStatus(pid, 'VmRSS'));
    } catch {
      /* the process is gone */
    }
  }, 200);
  return { peak: () => peak, reset: () => (peak = 0), stop: () => clearInterval(timer) };
}

/** Starts the attacker process and resolves once it is set up; `done` resolves with its report. */
async function startAttacker(plan: AttackPlan) {
  const child = spawn(process.execPath, [join(__dirname, 'security-attacker.js'), JSON.stringify(plan)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const lines = createInterface({ input: child.stdout });
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const done = new Promise<{ complete: boolean; tally: Record<string, Record<string, number>>; forgedIds: string[]; teaserFirst: string[] }>((resolve, reject) => {
    lines.on('line', (line) => (line === 'ready' ? ready() : line.startsWith('{') && resolve(JSON.parse(line))));
    child.on('exit', (code) => reject(new Error(`attacker exited with ${code}: ${err}`)));
  });
  await Promise.race([isReady, done, new Promise((_, reject) => setTimeout(() => reject(new Error(`attacker not ready: ${err}`)), 60_000))]);
  return { child, done, tell: (id: string) => child.stdin.write(`${id}\n`) };
}

async function stop(p: NodeProcess): Promise<number | null> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  return p.exited;
}

/** What the attacks must not have achieved, read from the victim afterwards. */
async function damage(victim: NodeProcess, honest: NodeProcess, honestIds: string[], forgedIds: string[]) {
  const enc = (id: string) => `/api/articles/${encodeURIComponent(id)}`;
  const forged: string[] = [];
  for (const id of forgedIds) if ((await call(victim.webUrl, 'GET', enc(id))).status === 200) forged.push(`${id} (sent through a taken-over link)`);
  for (const id of honestIds) {
    const mine = await call<{ subject: string; body: string; from: string }>(victim.webUrl, 'GET', enc(id));
    if (mine.status !== 200) continue; // arrival is measured separately
    const theirs = (await call<{ subject: string; body: string; from: string }>(honest.webUrl, 'GET', enc(id))).data;
    if (mine.data.subject !== theirs.subject || mine.data.body !== theirs.body || mine.data.from !== theirs.from) forged.push(`${id} (a stranger's copy instead of the honest one)`);
  }
  const peers = (await call<PeerRow[]>(victim.webUrl, 'GET', '/api/peers')).data;
  const row = peers.find((p) => p.name === 'honest');
  const owner: string[] = [];
  if (!row) owner.push('the honest peer was removed');
  else if (row.fingerprint !== (await call<{ fingerprint: string }>(honest.webUrl, 'GET', '/api/node')).data.fingerprint) forged.push('the honest peer now has another key');
  if (peers.some((p) => p.url === FOREIGN_PEER)) owner.push(`a peer at ${FOREIGN_PEER} was added`);
  const groups = (await call<{ name: string; count: number }[]>(victim.webUrl, 'GET', '/api/groups')).data;
  if (groups.some((g) => g.name === 'bench.foreign' && g.count > 0)) owner.push(`an article "${FOREIGN_SUBJECT}" was posted`);
  const mirrors = (await call<{ peer: string }[]>(victim.webUrl, 'GET', '/api/mirrors')).data;
  if (Array.isArray(mirrors) && mirrors.some((m) => m.peer === FOREIGN_PEER)) owner.push('a mirror job was started');
  return { forged, owner, peersAfter: peers.length };
}

export async function securitySection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-bench-security-');
  const procs: NodeProcess[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    const victim = await spawnNode(['--data', join(tmp.dir, 'victim'), '--name', 'victim', '--web-password', PASSWORD]);
    const honest = await spawnNode(['--data', join(tmp.dir, 'honest'), '--name', 'honest']);
    procs.push(victim, honest);
    const added = await call(victim.webUrl, 'POST', '/api/peers', { url: honest.peerUrl }, auth);
    if (added.status !== 201) throw new Error(`victim could not add the honest peer: ${added.status} ${JSON.stringify(added.data)}`);
    const upOn = async (n: NodeProcess, name: string) => (await call<PeerRow[]>(n.webUrl, 'GET', '/api/peers')).data.some((p) => p.name === name && p.state === 'up');
    await until('the link up on both sides', 15_000, async () => (await upOn(victim, 'honest')) && (await upOn(honest, 'victim')));
    const honestKey = (await call<{ key: string }>(honest.webUrl, 'GET', '/api/node')).data.key;

    const pid = victim.child.pid!;
    const rss = rssSampler(pid);
    const ids: string[] = [];
    const ctx = { victim, honest, password: PASSWORD };
    loop.enable();
    const cpu0 = cpuMs(pid);
    const quiet = await measurePhase(ctx, BASELINE_MS, (id) => ids.push(id));
    const cpu1 = cpuMs(pid);
    const quietRss = rss.peak();
    rss.reset();

    const plan: AttackPlan = {
      victimWeb: victim.webUrl,
      victimPeer: victim.peerUrl,
      victimName: victim.name,
      password: PASSWORD,
      honest: { name: honest.name, url: honest.peerUrl, key: honestKey },
      durationMs: ATTACK_MS,
    };
    const attacker = await startAttacker(plan);
    const cpu2 = cpuMs(pid);
    const attacked = await measurePhase(ctx, ATTACK_MS, (id) => {
      ids.push(id);
      attacker.tell(id);
    });
    const cpu3 = cpuMs(pid);
    const report = await attacker.done;
    const attackRss = rss.peak();
    rss.stop();
    loop.disable();
    const hurt = await damage(victim, honest, ids, report.forgedIds);
    const forgedCount = hurt.forged.length + (report.tally.forged ? Object.values(report.tally.forged).reduce((a, b) => a + b, 0) : 0);
    const ownerCount = hurt.owner.length + (report.tally.ownerActions ? Object.values(report.tally.ownerActions).reduce((a, b) => a + b, 0) : 0);
    const peakRss = procStatus(pid, 'VmHWM');
    const victimExit = await stop(victim);
    await stop(honest);

    const hello = await measureHelloCost();
    const routing = await filterRoutingFigures();
    const routeMs = (routing.mixed as { warmMedianMs: number }).warmMedianMs;
    const raced = report.teaserFirst.map((id) => attacked.arrivalById.get(id));
    const racedArrivals = summarise({ ms: raced.filter((x): x is number => x !== undefined), failed: raced.filter((x) => x === undefined).length });
    return figures({ racedArrivals, quiet, attacked, quietRss, attackRss, peakRss, forgedCount, ownerCount, hurt, report, hello, routing, routeMs, victimExit, loopP99Ms: loop.percentile(99) / 1e6, cpu: { quiet: (cpu1 - cpu0) / BASELINE_MS, attack: (cpu3 - cpu2) / ATTACK_MS } });
  } finally {
    await Promise.all(procs.map(stop));
    tmp.cleanup();
  }
}

interface Outcome {
  racedArrivals: Summary;
  quiet: PhaseFigures;
  attacked: PhaseFigures;
  quietRss: number;
  attackRss: number;
  peakRss: number;
  forgedCount: number;
  ownerCount: number;
  hurt: Awaited<ReturnType<typeof damage>>;
  report: { complete: boolean; tally: Record<string, Record<string, number>> };
  hello: Awaited<ReturnType<typeof measureHelloCost>>;
  routing: Record<string, unknown>;
  routeMs: number;
  victimExit: number | null;
  loopP99Ms: number;
  cpu: { quiet: number; attack: number };
}

function figures(o: Outcome): Record<string, unknown> {
  const q = summary(o.quiet);
  const a = summary(o.attacked);
  const ratio = (x: number, y: number) => Number((x / Math.max(y, 0.001)).toFixed(2));
  const healthP99 = Math.max(a.healthWeb.p99, a.healthPeer.p99);
  const postRatioP50 = ratio(a.posts.p50, q.posts.p50);
  const postRatioP99 = ratio(a.posts.p99, q.posts.p99);
  const met = (x: boolean) => (x ? 'met' : 'MISSED');
  return {
    phases: { quietSeconds: BASELINE_MS / 1000, attackSeconds: ATTACK_MS / 1000, attackerComplete: o.report.complete },
    healthzP99Ms: { quiet: { web: q.healthWeb.p99, peer: q.healthPeer.p99 }, attack: { web: a.healthWeb.p99, peer: a.healthPeer.p99, probes: a.healthWeb.n + a.healthPeer.n, failed: a.healthWeb.failed + a.healthPeer.failed }, target: '< 50 ms under attack', verdict: met(healthP99 < 50 && a.healthWeb.failed + a.healthPeer.failed === 0) },
    victimRssMb: { quietPeak: o.quietRss, attackPeak: o.attackRss, vmHwm: o.peakRss, target: '< 300 MB', verdict: met(o.peakRss < 300) },
    honestPostsMs: { quiet: q.posts, attack: a.posts, ratioP50: postRatioP50, ratioP99: postRatioP99, target: 'normal latency: attack/quiet ratio ≤ 1.5 at p50 and ≤ 2 at p99, none failed', verdict: met(postRatioP50 <= 1.5 && postRatioP99 <= 2 && a.posts.failed === 0) },
    honestArrivalMs: {
      quiet: q.arrivals,
      attack: a.arrivals,
      attackWhenAStrangerOfferedItFirst: o.racedArrivals,
      target: 'every article within 2,000 ms',
      verdict: met(a.arrivals.max <= 2_000 && a.arrivals.failed === 0),
    },
    forgedAccepted: { count: o.forgedCount, detail: o.hurt.forged, target: 0, verdict: met(o.forgedCount === 0) },
    ownerActionsByForeignPage: { count: o.ownerCount, detail: o.hurt.owner, target: 0, verdict: met(o.ownerCount === 0) },
    helloCpuUs: { ...o.hello, target: '< 1,000 µs per answered hello', verdict: met(o.hello.cpuUsPerHello < 1_000) },
    filterRouting: { ...o.routing, target: '< 1 ms to route one article past 1,000 peers (mixed.warmMedianMs)', verdict: met(o.routeMs < 1) },
    victimCpuShare: { quiet: Number(o.cpu.quiet.toFixed(2)), attack: Number(o.cpu.attack.toFixed(2)) },
    victimExitCode: o.victimExit,
    benchLoopDelayP99Ms: Number(o.loopP99Ms.toFixed(1)),
    attacks: o.report.tally,
    notes: [
      'The attacks come from 127.0.0.x: the listeners exempt loopback clients from the per-address connection cap (a reverse proxy shares one address), so slow sockets here meet only the timeouts and the cap of 512 sockets per listener.',
      'helloCpuUs.cpuUsP99 counts process CPU, LevelDB and GC threads included, so a sample that meets a compaction or a collection carries it.',
    ],
  };
}
