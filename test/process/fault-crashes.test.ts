/**
 * Repeated crashes (issue 11, item 1): one node process is SIGKILLed at random moments, again
 * and again on the same data dir, while it takes local posts, gossip from two peers and mirror
 * jobs at once. After every kill `newsmesh check` finds the store clean, and after every
 * restart (with `start --check`) every article the node acknowledged is there, numbered
 * densely and once. In the end the three nodes converge and every mirror job is done. A damaged
 * data dir makes `start --check` refuse to start with a one-line reason.
 * The kill moments come from a seed (printed on failure; NEWSMESH_FAULT_SEED replays one).
 */
import { Level } from 'level';
import { mirrorPart } from '../../node/mirror/mirror-part';
import { gossipPart } from '../../node/gossip/gossip-part';
import { converged, holdings, missing, stats } from '../helpers/convergence';
import { recordFaults } from '../helpers/fault-figures';
import { rng } from '../helpers/graph';
import { makeArticle, startTestNode, type TestNode } from '../helpers/node';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

const KILLS = 10;
const ARCHIVES = 6;
const ARCHIVE_SIZE = 1500;
const SEED = Number(process.env.NEWSMESH_FAULT_SEED) || Math.floor(Math.random() * 1e9);

// Processes start and stop over and over; on two loaded cores each takes a second or more.
jest.setTimeout(300_000);

async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Posts to one node's local API until stopped; records what it acknowledged (201). */
class Poster {
  readonly acked: string[] = [];
  private stopped = false;
  private readonly running: Promise<void>[] = [];
  sinceStart = 0;

  constructor(
    private readonly group: string,
    private readonly rand: () => number,
  ) {}

  /** `paceMs`: pause between posts of one worker (0: as fast as the node answers). */
  start(webUrl: string, workers: number, paceMs = 0): void {
    this.stopped = false;
    this.sinceStart = 0;
    for (let w = 0; w < workers; w++) this.running.push(this.work(webUrl, paceMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running.splice(0));
  }

  private async work(webUrl: string, paceMs: number): Promise<void> {
    while (!this.stopped) {
      // A third are replies to something acknowledged before: threads cross the kills.
      const parent = this.acked.length > 0 && this.rand() < 0.3 ? this.acked[Math.floor(this.rand() * this.acked.length)] : undefined;
      const i = this.acked.length;
      try {
        const res = await postJson(`${webUrl}/api/articles`, {
          newsgroups: [this.group],
          from: 'crash@example',
          subject: parent ? `Re: post ${i}` : `post ${i}`,
          body: `body ${i} ${'x'.repeat(Math.floor(this.rand() * 800))}\n`,
          ...(parent ? { references: [parent] } : {}),
        });
        if (res.status === 201) {
          this.acked.push(((await res.json()) as { id: string }).id);
          this.sinceStart++;
        } else await res.arrayBuffer();
      } catch {
        // Killed under us: this one was never acknowledged.
        if (this.stopped) return;
      }
      // Load pacing (a rate, not a wait for a condition).
      if (paceMs > 0) await new Promise((r) => setTimeout(r, paceMs));
    }
  }
}

interface JobRow {
  id: string;
  group: string;
  state: string;
  done: number;
  total: number;
}

const jobs = async (webUrl: string): Promise<JobRow[]> => (await (await fetch(`${webUrl}/api/mirrors`)).json()) as JobRow[];

describe('a node SIGKILLed again and again while busy', () => {
  const dir = tempDir('newsmesh-crash-');
  let p1: TestNode | undefined;
  let p2: TestNode | undefined;
  let k: NodeProcess | undefined;
  const env = { NEWSMESH_MIRROR_BATCH: '25', NEWSMESH_MIRROR_PAGE: '100', NEWSMESH_MIRROR_AHEAD: '1' };
  const startK = async (extra: string[] = []) => (k = await spawnNode(['--data', dir.dir, '--name', 'crash-k', '--check', ...extra], env, 60_000));

  const posters: Poster[] = [];
  afterAll(async () => {
    await Promise.all(posters.map((p) => p.stop()));
    if (k && k.child.exitCode === null && k.child.signalCode === null) k.child.kill('SIGKILL');
    await k?.exited;
    await Promise.allSettled([p1?.destroy(), p2?.destroy()]);
    dir.cleanup();
  });

  it(`survives ${KILLS} kills in a row with nothing acknowledged lost, then converges (seed ${SEED})`, async () => {
    const rand = rng(SEED);
    const parts = [gossipPart({ backoffBaseMs: 100, backoffCapMs: 2_000, requestTimeoutMs: 5_000 }), mirrorPart];
    p1 = await startTestNode({ name: 'crash-p1' }, { parts });
    p2 = await startTestNode({ name: 'crash-p2' }, { parts });

    // The archives exist on p1 before anyone peers with it: only the mirror jobs bring them to k.
    const archive = new Set<string>();
    for (let g = 0; g < ARCHIVES; g++) {
      for (let start = 0; start < ARCHIVE_SIZE; start += 500) {
        const articles = Array.from({ length: 500 }, (_, j) => makeArticle({ newsgroups: [`crash.arch.${g}`], id: `<arch.${g}.${start + j}.${SEED}@p0>` }, start + j));
        const res = await postJson(`${p1.webUrl}/api/import`, { articles });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { added: number }).added).toBe(500);
        for (const a of articles) archive.add(a.id as string);
      }
    }
    await startK();
    for (const p of [p1, p2]) expect((await postJson(`${k!.webUrl}/api/peers`, { url: p.peerUrl })).status).toBe(201);
    expect((await postJson(`${p1.webUrl}/api/peers`, { url: p2.peerUrl })).status).toBe(201);

    const local = new Poster('crash.local', rand);
    const fromP1 = new Poster('crash.p1', rand);
    const fromP2 = new Poster('crash.p2', rand);
    posters.push(local, fromP1, fromP2);
    // Steady gossip into k from both peers for the whole run, queued for k while it is down.
    fromP1.start(p1.webUrl, 1, 25);
    fromP2.start(p2.webUrl, 1, 25);

    const log: string[] = [];
    const fail = (what: string) => new Error(`${what} (seed ${SEED}; kills so far: ${log.join(' | ')})`);
    let jobsStarted = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      const node = k!;
      if (jobsStarted < ARCHIVES) {
        const res = await postJson(`${node.webUrl}/api/mirrors`, { peer: p1.peerUrl, group: `crash.arch.${jobsStarted++}` });
        expect(res.status).toBe(202);
      }
      local.start(node.webUrl, 8);
      const received0 = (await stats(node.webUrl)).articlesReceived;
      // The moment: right away, after some local posts, mid-mirror, or after some gossip came in.
      const r = rand();
      const kind = r < 0.1 ? 'now' : r < 0.5 ? 'posts' : r < 0.75 ? 'gossip' : 'mirror';
      const n = 10 + Math.floor(rand() * 290);
      if (kind === 'posts') await waitFor(`${n} local posts`, () => local.sinceStart >= n, { timeoutMs: 30_000 });
      if (kind === 'gossip') await waitFor(`${n} gossiped bodies`, async () => (await stats(node.webUrl)).articlesReceived - received0 >= n, { timeoutMs: 30_000 });
      if (kind === 'mirror') {
        const job = (await jobs(node.webUrl)).find((j) => j.state === 'running');
        const from = job?.done ?? 0;
        if (job) await waitFor('mirror progress', async () => (await jobs(node.webUrl)).some((j) => j.id === job.id && (j.done >= from + n || j.state !== 'running')), { timeoutMs: 30_000 });
      }
      node.child.kill('SIGKILL');
      await node.exited;
      await local.stop();
      log.push(`#${kill} ${kind}${kind === 'now' ? '' : ` ${n}`}: ${local.acked.length} acked`);

      const check = await runCli(['check', '--data', dir.dir], { timeoutMs: 60_000 });
      if (check.code !== 0) throw fail(`newsmesh check after kill ${kill}: ${check.stdout}${check.stderr}`);
      expect(check.stdout).toMatch(/^newsmesh check: ok: /m);

      await startK();
      const h = await holdings(k!.webUrl);
      if (h.problems.length > 0) throw fail(`numbering after kill ${kill}: ${h.problems.join('; ')}`);
      const lost = missing(h, local.acked);
      if (lost.length > 0) throw fail(`acknowledged posts lost after kill ${kill}: ${lost.join(' ')}`);
      // Every mirror job is still there and resumes by itself.
      expect((await jobs(k!.webUrl)).length).toBe(jobsStarted);
    }

    recordFaults({ kind: 'crash', sigkill: KILLS, acked: local.acked.length, lost: 0 });
    // Quiet now: the three nodes converge, and every mirror job completes.
    await Promise.all([fromP1.stop(), fromP2.stop()]);
    const expected = new Set([...local.acked, ...fromP1.acked, ...fromP2.acked, ...[...archive].filter((id) => Number(/^<arch\.(\d+)\./.exec(id)![1]) < jobsStarted)]);
    const [hk] = await converged([k!, p1, p2], expected, { timeoutMs: 120_000 });
    expect(hk.problems).toEqual([]);
    await waitFor('every mirror job done', async () => {
      const rows = await jobs(k!.webUrl);
      return rows.length === jobsStarted && rows.every((j) => j.state === 'done' && j.done === j.total && j.total === ARCHIVE_SIZE);
    }, { timeoutMs: 60_000 });

    // A clean stop, and all three stores pass the offline check.
    k!.child.kill('SIGTERM');
    expect(await k!.exited).toBe(0);
    for (const p of [p1, p2]) await p.close();
    for (const d of [dir.dir, p1.dir, p2.dir]) {
      const r = await runCli(['check', '--data', d], { timeoutMs: 60_000 });
      expect(r.stdout).toMatch(/^newsmesh check: ok: /m);
      expect(r.code).toBe(0);
    }
  });

  it('`start --check` refuses a damaged data dir with a one-line reason and serves nothing', async () => {
    if (k && k.child.exitCode === null && k.child.signalCode === null) k.child.kill('SIGKILL');
    await k?.exited;
    const raw = new Level<string, string>(dir.dir);
    const index = raw.sublevel<string, string>('gidx', {});
    const [firstKey] = await index.keys({ limit: 1 }).all();
    await index.del(firstKey);
    await raw.close();
    const r = await runCli(['start', '--check', '--data', dir.dir, '--web', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--nntp', 'off'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{"level":'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^newsmesh: --check: the data dir .* has \d+ problems? \(.*\); the first: .+\. Not starting: run `newsmesh check --data .*` for the list$/);
    // Without --check the same dir starts (the owner decides); the env variable turns it on too.
    const viaEnv = await runCli(['start', '--data', dir.dir, '--web', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--nntp', 'off'], { env: { NEWSMESH_CHECK: '1' }, timeoutMs: 60_000 });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toMatch(/--check: the data dir/);
  });
});
