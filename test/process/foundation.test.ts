/**
 * The built CLI as real processes (requires `npm run build`): the ready line, a SIGKILL in the
 * middle of posting loses no acknowledged article, clean SIGTERM, readable start-up failures
 * (bad flag, port in use, data dir in use), environment variables, `post` from stdin, and
 * `check` on a healthy and on a corrupted data dir.
 */
import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';

const READY_LINE = /^newsmesh ([A-Za-z0-9][A-Za-z0-9._-]*) ready web=http:\/\/127\.0\.0\.1:(\d+) peer=http:\/\/127\.0\.0\.1:(\d+)$/;

let tmp: ReturnType<typeof tempDir>;
const running: NodeProcess[] = [];

beforeEach(() => {
  tmp = tempDir('newsmesh-proc-');
});
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  tmp.cleanup();
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NodeProcess> {
  const p = await spawnNode(args, env);
  running.push(p);
  return p;
}

async function stop(p: NodeProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  p.child.kill(signal);
  return p.exited;
}

/** A failing `start` must say why in one line, without a stack trace. */
function expectOneLineFailure(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stdout).toBe('');
  // Structured log lines (pino JSON, info level) may precede the failure; they are not it.
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{"level":'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

async function postJson(webUrl: string, body: unknown): Promise<Response> {
  return fetch(`${webUrl}/api/articles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('newsmesh start', () => {
  it('prints exactly the contract ready line on stdout and exits 0 on SIGTERM', async () => {
    const chunks: string[] = [];
    const p = await start(['--data', tmp.dir, '--name', 'alice']);
    p.child.stdout!.on('data', (d: Buffer) => chunks.push(String(d)));
    expect(p.name).toBe('alice');
    const health = (await (await fetch(`${p.webUrl}/healthz`)).json()) as { ok: boolean; name: string };
    expect(health).toEqual({ ok: true, name: 'alice' });
    expect(await (await fetch(`${p.peerUrl}/healthz`)).json()).toEqual({ ok: true, name: 'alice' });
    expect(await stop(p, 'SIGTERM')).toBe(0);
    // Nothing but the ready line ever reached stdout (spawnNode consumed it already).
    expect(chunks.join('')).toBe('');
    expect(p.stderr()).not.toMatch(/"level":(50|60)/);
  });

  it('matches the ready line format exactly and keeps the generated name', async () => {
    const p = await start(['--data', tmp.dir]);
    const line = `newsmesh ${p.name} ready web=${p.webUrl} peer=${p.peerUrl}`;
    expect(line).toMatch(READY_LINE);
    expect(await stop(p, 'SIGINT')).toBe(0);
    const again = await start(['--data', tmp.dir]);
    expect(again.name).toBe(p.name);
  });

  it('loses no acknowledged article when SIGKILLed while posting, and `check` passes after', async () => {
    const p = await start(['--data', tmp.dir, '--name', 'crashy']);
    const acked: { id: string; i: number }[] = [];
    let next = 0;
    let killed = false;
    const TOTAL = 500;
    const KILL_AFTER = 400;
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        try {
          const res = await postJson(p.webUrl, { newsgroups: [`test.g${i % 3}`], from: 'k@example', subject: `post ${i}`, body: `body ${i}\n` });
          if (res.status === 201) acked.push({ id: ((await res.json()) as { id: string }).id, i });
        } catch {
          // Connection reset by the kill: this post was never acknowledged.
        }
        if (acked.length >= KILL_AFTER && !killed) {
          killed = true;
          p.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(await p.exited).toBeNull();
    expect(p.child.signalCode).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER);

    const q = await start(['--data', tmp.dir]);
    expect(q.name).toBe('crashy');
    const missing: string[] = [];
    for (let k = 0; k < acked.length; k += 50) {
      const slice = acked.slice(k, k + 50);
      const got = await Promise.all(slice.map(({ id }) => fetch(`${q.webUrl}/api/articles/${encodeURIComponent(id)}`)));
      for (let j = 0; j < got.length; j++) {
        if (got[j].status !== 200) missing.push(slice[j].id);
        else expect(((await got[j].json()) as { body: string }).body).toBe(`body ${slice[j].i}\n`);
      }
    }
    expect(missing).toEqual([]);
    const stats = (await (await fetch(`${q.webUrl}/api/stats`)).json()) as { articles: number };
    expect(stats.articles).toBeGreaterThanOrEqual(acked.length);
    const groups = (await (await fetch(`${q.webUrl}/api/groups`)).json()) as { count: number; high: number }[];
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(stats.articles);
    expect(await stop(q)).toBe(0);

    const check = await runCli(['check', '--data', tmp.dir]);
    expect(check.stderr).toBe('');
    expect(check.stdout).toMatch(new RegExp(`^newsmesh check: ok: ${stats.articles} articles, 3 groups`, 'm'));
    expect(check.code).toBe(0);
  }, 120_000);

  it('refuses a second node on the same data dir with "data dir in use"', async () => {
    await start(['--data', tmp.dir]);
    const r = await runCli(['start', '--data', tmp.dir, '--web', '127.0.0.1:0', '--listen', '127.0.0.1:0']);
    expectOneLineFailure(r, /^newsmesh: data dir in use: /);
  });

  it('explains a port in use, naming the flag', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(['start', '--data', tmp.dir, '--web', `127.0.0.1:${port}`, '--listen', '127.0.0.1:0']);
      expectOneLineFailure(r, new RegExp(`^newsmesh: --web 127\\.0\\.0\\.1:${port} is already in use$`));
      const r2 = await runCli(['start', '--data', tmp.dir, '--web', '127.0.0.1:0', '--listen', `127.0.0.1:${port}`]);
      expectOneLineFailure(r2, new RegExp(`^newsmesh: --listen 127\\.0\\.0\\.1:${port} is already in use$`));
    } finally {
      blocker.close();
    }
    // The failed starts released the data dir.
    const ok = await start(['--data', tmp.dir]);
    expect(ok.name).toMatch(/^node-/);
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['--web', 'nonsense'], /--web must be HOST:PORT/],
    [['--listen', '127.0.0.1:99999'], /--listen must be HOST:PORT/],
    [['--accept-peers', 'maybe'], /--accept-peers.*maybe.*open, approve, closed/],
    [['--max-article-bytes', 'lots'], /--max-article-bytes: .*number/],
    [['--name', 'bad name!'], /--name: node name must be/],
  ])('refuses bad flags %j in one line', async (args, message) => {
    const r = await runCli(['start', '--data', join(tmp.dir, 'never'), ...args]);
    expectOneLineFailure(r, message);
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  });

  it('takes every flag from the environment too', async () => {
    const data = join(tmp.dir, 'from-env');
    const p = await start([], { NEWSMESH_DATA: data, NEWSMESH_NAME: 'envnode', NEWSMESH_MAX_ARTICLE_BYTES: '2048' });
    expect(p.name).toBe('envnode');
    expect(existsSync(join(data, 'CURRENT'))).toBe(true);
    const big = await postJson(p.webUrl, { newsgroups: ['test.a'], from: 'a', subject: 's', body: 'x'.repeat(2049) });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/limit of 2048/);
    // A flag wins over its variable.
    await stop(p);
    const q = await start(['--name', 'flagnode'], { NEWSMESH_DATA: data, NEWSMESH_NAME: 'envnode' });
    expect(q.name).toBe('flagnode');
  });
});

describe('newsmesh post', () => {
  it('reads the body from stdin, or from --body, and prints the new id', async () => {
    const p = await start(['--data', tmp.dir]);
    const env = { NEWSMESH_API: p.webUrl };
    const fromStdin = await runCli(['post', '--group', 'test.cli', '--from', 'cli@example', '--subject', 'piped'], { env, input: 'line one\nline two\n' });
    expect(fromStdin.stderr).toBe('');
    expect(fromStdin.code).toBe(0);
    const id = fromStdin.stdout.trim();
    expect(id).toMatch(new RegExp(`^<[^@]+@${p.name}>$`));
    const art = (await (await fetch(`${p.webUrl}/api/articles/${encodeURIComponent(id)}`)).json()) as Record<string, unknown>;
    expect(art).toMatchObject({ id, newsgroups: ['test.cli'], from: 'cli@example', subject: 'piped', body: 'line one\nline two\n', path: [p.name] });

    const reply = await runCli(['post', '--api', p.webUrl, '--group', 'test.cli', '--from', 'b', '--subject', 'Re: piped', '--body', 'inline', '--references', id]);
    expect(reply.code).toBe(0);
    const replyArt = (await (await fetch(`${p.webUrl}/api/articles/${encodeURIComponent(reply.stdout.trim())}`)).json()) as Record<string, unknown>;
    expect(replyArt).toMatchObject({ body: 'inline', references: [id] });
  });

  it('fails in one line on a refused post and on an unreachable node', async () => {
    const p = await start(['--data', tmp.dir]);
    const bad = await runCli(['post', '--api', p.webUrl, '--group', 'Bad..Group', '--from', 'a', '--subject', 's', '--body', 'b']);
    expect(bad.code).toBe(1);
    // Named as the person wrote it: the flag, the name lowercased by the one case rule.
    expect(bad.stderr.trim()).toBe('newsmesh: --group: group name "bad..group" must be dot-separated components of a-z 0-9 + _ -');
    await stop(p);
    const gone = await runCli(['post', '--api', p.webUrl, '--group', 'test.a', '--from', 'a', '--subject', 's', '--body', 'b']);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim().split('\n')).toHaveLength(1);
    expect(gone.stderr).toMatch(/cannot reach the node/);
  });
});

describe('newsmesh check', () => {
  async function filledDir(): Promise<void> {
    const p = await start(['--data', tmp.dir]);
    for (let i = 0; i < 20; i++) {
      const res = await postJson(p.webUrl, { newsgroups: [i % 2 ? 'test.a' : 'test.b'], from: 'c', subject: `s${i}`, body: `b${i}` });
      expect(res.status).toBe(201);
    }
    expect(await stop(p)).toBe(0);
  }

  it('passes a healthy dir with a one-line summary', async () => {
    await filledDir();
    const r = await runCli(['check'], { env: { NEWSMESH_DATA: tmp.dir } });
    expect(r).toEqual({ code: 0, stderr: '', stdout: 'newsmesh check: ok: 20 articles, 2 groups, 20 index entries, 20 accepted and 0 rejected in history\n' });
  });

  it('fails a corrupted dir, listing each problem', async () => {
    await filledDir();
    const raw = new Level<string, string>(tmp.dir);
    const index = raw.sublevel<string, string>('gidx', {});
    const [firstKey] = await index.keys({ limit: 1 }).all();
    await index.del(firstKey);
    await raw.sublevel<string, unknown>('meta', { valueEncoding: 'json' }).put('counters', { articles: 25, groups: 2, seq: 20 });
    await raw.close();
    const r = await runCli(['check', '--data', tmp.dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^problem: group test\.\w: metadata count 10, but the index holds 9$/m);
    expect(r.stdout).toMatch(/^problem: counters say 25 articles, the store holds 20$/m);
    expect(r.stdout).toMatch(/^newsmesh check: \d+ problems: 20 articles/m);
  });

  it('refuses a running node\'s dir and a dir that is not a data dir', async () => {
    await start(['--data', tmp.dir]);
    expectOneLineFailure(await runCli(['check', '--data', tmp.dir]), /^newsmesh: data dir in use: /);
    expectOneLineFailure(await runCli(['check', '--data', join(tmp.dir, 'nothing-here')]), /^newsmesh: no newsmesh data dir at /);
    expect(existsSync(join(tmp.dir, 'nothing-here'))).toBe(false);
  });
});
