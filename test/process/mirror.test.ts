/**
 * Mirroring between real processes (the built CLI): a 10,000-article group, the mirroring node
 * SIGKILLed midway and restarted, the job finishing by itself with exactly the same set; a
 * re-run moves no bodies; `newsmesh mirror` shows progress and a summary line, and fails
 * non-zero; `newsmesh export` / `newsmesh import` move a group through a file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFleet, runCli, stopNode, type NodeProcess } from '../helpers/process';
import { fillGroup, getJson, postJson, readIndex, waitForJob } from '../helpers/mirror';

jest.setTimeout(180_000);

const fleet = nodeFleet();
const spawn = fleet.spawn;
const stop = stopNode;

afterAll(() => fleet.cleanup());

describe('mirror between processes', () => {
  let source: NodeProcess;
  let ids: string[];
  beforeAll(async () => {
    source = await spawn('source');
    ids = await fillGroup(source.webUrl, 'test.big', 10_000);
    await fillGroup(source.webUrl, 'test.cli', 3000);
  });

  it('mirrors 10,000 articles, survives SIGKILL midway, and a re-run moves no bodies', async () => {
    // Small SENDME batches make the job long enough to be killed midway.
    const slow = { NEWSMESH_MIRROR_BATCH: '25' };
    let sink = await spawn('sink', [], slow);
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.big' }, 202);
    const midway = await waitForJob(sink.webUrl, body.id, (j) => j.done >= 1500, 60_000);
    sink.child.kill('SIGKILL');
    await sink.exited;
    expect(midway.state).toBe('running');
    expect(midway.done).toBeLessThan(10_000);

    sink = await spawn('sink');
    const job = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running', 90_000);
    expect(job).toMatchObject({ state: 'done', done: 10_000, total: 10_000 });
    const index = await readIndex(sink.webUrl, 'test.big');
    expect(index).toHaveLength(10_000);
    expect(index.every((r, i) => r.n === i + 1)).toBe(true);
    const got = new Set(index.map((r) => r.id));
    expect(got.size).toBe(10_000);
    expect(got).toEqual(new Set(ids));
    const groups = await getJson<{ name: string; count: number; high: number }[]>(`${sink.webUrl}/api/groups`);
    expect(groups.find((g) => g.name === 'test.big')).toMatchObject({ count: 10_000, high: 10_000 });

    const before = await getJson<{ articlesReceived: number; sendmeSent: number }>(`${sink.webUrl}/api/stats`);
    await postJson(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.big' }, 202);
    const rerun = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running' && j.startedAt !== job.startedAt);
    expect(rerun).toMatchObject({ state: 'done', done: 10_000, total: 10_000 });
    const after = await getJson<{ articlesReceived: number; sendmeSent: number }>(`${sink.webUrl}/api/stats`);
    expect(after.articlesReceived).toBe(before.articlesReceived);
    expect(after.sendmeSent).toBe(before.sendmeSent);
  });

  it('`newsmesh mirror` shows progress, ends with a summary line, and fails non-zero', async () => {
    const sink = await spawn('cli-sink', [], { NEWSMESH_MIRROR_BATCH: '50' });
    const ok = await runCli(['mirror', source.peerUrl, 'test.cli', '--api', sink.webUrl], { timeoutMs: 60_000 });
    expect(ok.stderr).toMatch(/mirror test\.cli \[#{20}\] 100% 3,000\/3,000 \| done/);
    expect(ok.stderr).not.toMatch(/NaN|undefined|LL|Infinity/);
    expect(ok.stdout.trim()).toBe(`mirrored test.cli from ${source.peerUrl}: 3000 of 3000 articles held`);
    expect(ok.code).toBe(0);

    const bad = await runCli(['mirror', source.peerUrl, 'no.such.group', '--api', sink.webUrl], { timeoutMs: 30_000 });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toBe(`newsmesh: peer ${source.peerUrl} has no group no.such.group (it has test.big, test.cli)\n`);
  });

  it('`newsmesh export` and `newsmesh import` move a group through files, idempotently', async () => {
    const target = await spawn('import-target');
    // mbox through --out; JSON lines through stdout, saved by the test.
    const mbox = join(fleet.dir, 'cli.mbox');
    const ex1 = await runCli(['export', 'test.cli', '--format', 'mbox', '--out', mbox, '--api', source.webUrl]);
    expect(ex1.code).toBe(0);
    expect(readFileSync(mbox, 'utf8').slice(0, 5)).toBe('From ');
    const ex2 = await runCli(['export', 'test.cli', '--format', 'jsonl', '--api', source.webUrl]);
    expect(ex2.code).toBe(0);
    expect(ex2.stdout.split('\n').filter(Boolean)).toHaveLength(3000);
    const jsonl = join(fleet.dir, 'cli.jsonl');
    writeFileSync(jsonl, ex2.stdout);

    const first = await runCli(['import', mbox, '--api', target.webUrl], { timeoutMs: 60_000 });
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe(`imported ${mbox} (mbox): 3000 added, 0 present, 0 rejected`);
    const second = await runCli(['import', jsonl, '--api', target.webUrl], { timeoutMs: 60_000 });
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe(`imported ${jsonl} (jsonl): 0 added, 3000 present, 0 rejected`);
    expect((await readIndex(target.webUrl, 'test.cli')).map((r) => r.n)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));

    const missing = await runCli(['import', join(fleet.dir, 'nope.mbox'), '--api', target.webUrl]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^newsmesh: .*nope\.mbox/);
  });
});
