/**
 * Swarm mirroring between real processes (the built CLI): three capped sources holding
 * overlapping subsets, the mirroring node SIGKILLed midway and restarted, the job resuming
 * from its per-source cursors and ending with exactly the union, each article once; and
 * `newsmesh mirror URL URL URL GROUP` with its per-source progress and summary line.
 */
import { join } from 'node:path';
import { nodeFleet, runCli, stopNode, type NodeProcess } from '../helpers/process';
import { makeArticle } from '../helpers/node';
import { getJson, postJson, readIndex, waitForJob } from '../helpers/mirror';

jest.setTimeout(300_000);

const fleet = nodeFleet();
const spawn = fleet.spawn;
const stop = stopNode;

afterAll(() => fleet.cleanup());

async function importAll(webUrl: string, list: Record<string, unknown>[]): Promise<void> {
  for (let k = 0; k < list.length; k += 1000) await postJson(`${webUrl}/api/import`, { articles: list.slice(k, k + 1000) }, 200);
}

describe('swarm mirror between processes', () => {
  const N = 6000;
  const all = Array.from({ length: N }, (_, i) => makeArticle({ newsgroups: ['test.swarm'], id: `<p.${i}@t>` }, i));
  let sources: NodeProcess[];
  beforeAll(async () => {
    // Capped so the mirror takes a few seconds: long enough to be killed midway.
    sources = await Promise.all(['pa', 'pb', 'pc'].map((n) => spawn(n, ['--serve-rate', '600'])));
    // pa: 0-3999, pb: 2000-5999, pc: every third one: overlaps everywhere, 6000 in the union.
    await Promise.all([
      importAll(sources[0].webUrl, all.slice(0, 4000)),
      importAll(sources[1].webUrl, all.slice(2000)),
      importAll(sources[2].webUrl, all.filter((_, i) => i % 3 === 0)),
    ]);
  });

  it('survives SIGKILL midway and resumes from the cursors: the union, nothing doubled or missed', async () => {
    const slow = { NEWSMESH_MIRROR_BATCH: '50' };
    let sink = await spawn('sink', [], slow);
    const peers = sources.map((s) => s.peerUrl);
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peers, group: 'test.swarm' }, 202);
    const midway = await waitForJob(sink.webUrl, body.id, (j) => j.done >= 1500, 120_000);
    sink.child.kill('SIGKILL');
    await sink.exited;
    expect(midway.state).toBe('running');
    expect(midway.done).toBeLessThan(N);

    sink = await spawn('sink', [], slow);
    const job = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running', 180_000);
    expect(job).toMatchObject({ state: 'done', done: N, total: N });
    const index = await readIndex(sink.webUrl, 'test.swarm');
    expect(index).toHaveLength(N);
    expect(index.every((r, i) => r.n === i + 1)).toBe(true);
    expect(new Set(index.map((r) => r.id))).toEqual(new Set(all.map((a) => a.id)));
    const groups = await getJson<{ name: string; count: number }[]>(`${sink.webUrl}/api/groups`);
    expect(groups.find((g) => g.name === 'test.swarm')?.count).toBe(N);
  });

  it('`newsmesh mirror URL URL URL GROUP` shows each source and ends with the union', async () => {
    const sink = await spawn('sink-cli');
    const peers = sources.map((s) => s.peerUrl);
    const r = await runCli(['mirror', ...peers, 'test.swarm', '--api', sink.webUrl], { timeoutMs: 180_000 });
    expect(r.stderr).toContain(peers[1].replace(/^http:\/\//, ''));
    expect({ code: r.code, stdout: r.stdout.trim() }).toEqual({ code: 0, stdout: `mirrored test.swarm from ${peers.join(' ')}: ${N} of ${N} articles held` });
    // The one-URL form is unchanged.
    const one = await runCli(['mirror', peers[0], 'test.swarm', '--api', sink.webUrl], { timeoutMs: 60_000 });
    expect({ code: one.code, stdout: one.stdout.trim() }).toEqual({ code: 0, stdout: `mirrored test.swarm from ${peers[0]}: 4000 of 4000 articles held` });
  });
});
