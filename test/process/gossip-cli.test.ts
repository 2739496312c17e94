import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

const json = async <T>(url: string, init?: RequestInit): Promise<T> => (await (await fetch(url, init)).json()) as T;

async function groupIds(webUrl: string, group: string): Promise<string[]> {
  const out: string[] = [];
  for (let after = 0, page = 0; page < 100; page++) {
    const res = await fetch(`${webUrl}/api/groups/${group}/articles?after=${after}&limit=1000`);
    if (res.status === 404) return out;
    const rows = (await res.json()) as { n: number; id: string }[];
    if (rows.length === 0) break;
    out.push(...rows.map((r) => r.id));
    after = rows[rows.length - 1].n;
  }
  return out;
}

// Each CLI call is a process start; on a loaded machine that takes seconds.
jest.setTimeout(120_000);

describe('two newsmesh processes peered with `newsmesh peers add`', () => {
  const dirA = tempDir();
  const dirB = tempDir();
  let a: NodeProcess;
  let b: NodeProcess;
  afterAll(async () => {
    for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all([a?.exited, b?.exited]);
    dirA.cleanup();
    dirB.cleanup();
  });

  it('exchange posts both ways after peers add, and list each other', async () => {
    a = await spawnNode(['--data', dirA.dir, '--name', 'proc-a']);
    b = await spawnNode(['--data', dirB.dir, '--name', 'proc-b']);
    const added = await runCli(['peers', 'add', b.peerUrl, '--api', a.webUrl]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^peered with proc-b at .*: up$/m);

    const x = (await runCli(['post', '--api', a.webUrl, '--group', 'test.proc', '--from', 'me', '--subject', 'hi', '--body', 'from a'])).stdout.trim();
    const y = (await runCli(['post', '--api', b.webUrl, '--group', 'test.proc', '--from', 'me', '--subject', 'hi', '--body', 'from b'])).stdout.trim();
    await waitFor('x on b', async () => (await fetch(`${b.webUrl}/api/articles/${encodeURIComponent(x)}`)).status === 200, 20_000);
    await waitFor('y on a', async () => (await fetch(`${a.webUrl}/api/articles/${encodeURIComponent(y)}`)).status === 200, 20_000);

    const listed = await runCli(['peers', 'list', '--api', b.webUrl]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^proc-a\s+http:\/\/127\.0\.0\.1:\d+\s+up\s+backlog=0/m);
    const missing = await runCli(['peers', 'remove', 'nobody', '--api', b.webUrl]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^newsmesh: peer nobody not found$/m);
  });

  it('a node killed with SIGKILL mid-stream catches up completely after restart', async () => {
    const made: string[] = [];
    const postOne = async (i: number) => {
      const { id } = await json<{ id: string }>(`${a.webUrl}/api/articles`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ newsgroups: ['test.kill'], from: 'me', subject: `k ${i}`, body: `kill test ${i}\n`.repeat(10) }),
      });
      made.push(id);
    };
    // 500 posts on A, 10 at a time; B is killed after the first 100.
    for (let i = 0; i < 500; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => postOne(i + j)));
      if (i === 100) {
        b.child.kill('SIGKILL');
        await b.exited;
      }
    }
    expect(made.length).toBe(500);
    b = await spawnNode(['--data', dirB.dir]);
    expect(b.name).toBe('proc-b');
    await waitFor('B holds all 500', async () => (await groupIds(b.webUrl, 'test.kill')).length >= 500, 30_000);
    expect((await groupIds(b.webUrl, 'test.kill')).sort()).toEqual([...made].sort());
    await waitFor('A backlog to B empty and B up', async () => {
      const rows = await json<{ name: string; backlog: number; state: string; url: string }[]>(`${a.webUrl}/api/peers`);
      return rows.length === 1 && rows[0].backlog === 0 && rows[0].state === 'up' && rows[0].url === b.peerUrl;
    }, 20_000);
  });
});
