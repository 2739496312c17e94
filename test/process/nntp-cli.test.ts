/**
 * NNTP from the command line: the ready line's ` nntp=...`, `--nntp off`, a bad `--nntp` in
 * one line, a taken NNTP port naming the flag (and releasing the data dir), and
 * `newsmesh peers add nntp://... --name` between two node processes, listed with the others.
 */
import { createServer, type Server } from 'node:net';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { nntpConnect, post, waitFor, wire } from '../helpers/nntp';

const nodes: NodeProcess[] = [];
const dirs: { cleanup: () => void }[] = [];

async function start(args: string[]): Promise<NodeProcess> {
  const d = tempDir();
  dirs.push(d);
  const p = await spawnNode(['--data', d.dir, ...args]);
  nodes.push(p);
  return p;
}

afterAll(async () => {
  for (const p of nodes) {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  for (const d of dirs) d.cleanup();
});

describe('NNTP on the command line', () => {
  it('ends the ready line with nntp=nntp://HOST:PORT, or leaves it out with --nntp off', async () => {
    const on = await start(['--name', 'cli-on']);
    expect(on.nntpUrl).toMatch(/^nntp:\/\/127\.0\.0\.1:\d+$/);
    const c = await nntpConnect(on.nntpUrl!);
    expect(c.greeting.text).toMatch(/^cli-on /);
    await c.quit();
    expect(await (await fetch(`${on.webUrl}/api/node`)).json()).toMatchObject({ name: 'cli-on', nntpUrl: on.nntpUrl });
    const off = await start(['--name', 'cli-off', '--nntp', 'off']);
    expect(off.nntpUrl).toBeUndefined();
    expect(await (await fetch(`${off.webUrl}/api/node`)).json()).not.toHaveProperty('nntpUrl');
  });

  it('explains a bad or taken --nntp in one line and releases the data dir', async () => {
    const d = tempDir();
    dirs.push(d);
    const bad = await runCli(['start', '--data', d.dir, '--web', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--nntp', 'nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^newsmesh: --nntp must be HOST:PORT or off/);
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const taken = await runCli(['start', '--data', d.dir, '--web', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--nntp', `127.0.0.1:${port}`], { env: { NEWSMESH_LOG_LEVEL: 'warn' } });
      expect(taken.code).toBe(1);
      expect(taken.stderr.trim()).toBe(`newsmesh: --nntp 127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
    const ok = await start(['--data', d.dir]);
    expect(ok.nntpUrl).toBeDefined();
  });

  it('adds an NNTP peer with peers add nntp://... --name and lists it', async () => {
    const a = await start(['--name', 'cli-a']);
    const b = await start(['--name', 'cli-b']);
    const add = await runCli(['peers', 'add', b.nntpUrl!, '--name', 'bee', '--groups', 'test.*', '--api', a.webUrl]);
    expect(add.stderr).toBe('');
    expect(add.stdout.trim()).toBe(`peered with bee at ${b.nntpUrl}: up`);
    const list = await runCli(['peers', 'list', '--api', a.webUrl]);
    expect(list.stdout).toMatch(new RegExp(`^bee  ${b.nntpUrl!.replace(/[/.]/g, '\\$&')}  up  backlog=0  key=none  groups=test\\.\\*`, 'm'));
    const bad = await runCli(['peers', 'add', 'nntp://127.0.0.1:1', '--api', a.webUrl]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^newsmesh: cannot reach the NNTP server at nntp:\/\/127\.0\.0\.1:1/);
    // b takes transit only from the NNTP peers it knows: until it knows a, a's feed is refused.
    const c = await nntpConnect(a.nntpUrl!);
    const r = await post(c, wire(['From: x@example.org', 'Newsgroups: test.cli', 'Subject: over the feed', '', 'hi']));
    await c.quit();
    const id = /<[^>]+>/.exec(r.text)![0];
    await waitFor('the refusal', async () => /transit is for configured NNTP peers/.test((await runCli(['peers', 'list', '--api', a.webUrl])).stdout));
    expect((await runCli(['peers', 'add', a.nntpUrl!, '--api', b.webUrl])).stdout.trim()).toBe(`peered with cli-a at ${a.nntpUrl}: up`);
    await waitFor('the article on b', async () => (await fetch(`${b.webUrl}/api/articles/${encodeURIComponent(id)}`)).status === 200);
  });
});
