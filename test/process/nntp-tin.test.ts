/**
 * A real newsreader against a real node process: a script posts through the node's NNTP port
 * (the same bytes tin would send), then `tin -r -p PORT -S` reads the group through the node
 * and saves every article, which must be the articles as posted (with the node's Path,
 * injection headers and Xref). Skipped loudly when tin is missing; under CI=true that fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { hostPort, nntpConnect, post, wire } from '../helpers/nntp';
import { tempDir } from '../helpers/tmp';

const tin = spawnSync('tin', ['-V'], { encoding: 'utf8' });
const available = tin.status === 0 || /tin \d/.test(`${tin.stdout}${tin.stderr}`);
if (!available) {
  if (process.env.CI === 'true') throw new Error('tin is missing: CI must run the tin test (.ci/run installs it)');
  console.warn('\n*** SKIPPING the tin test: tin is not installed (apt-get install tin) ***\n');
}

(available ? describe : describe.skip)('tin through the NNTP port', () => {
  const data = tempDir();
  const home = tempDir('newsmesh-tin-');
  let node: NodeProcess;

  beforeAll(async () => {
    node = await spawnNode(['--data', data.dir, '--name', 'tin-node']);
  });

  afterAll(async () => {
    node.child.kill('SIGTERM');
    await node.exited;
    data.cleanup();
    home.cleanup();
  });

  it('reads and saves a group that a script posted to', async () => {
    const c = await nntpConnect(node.nntpUrl!);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await post(c, wire(['From: Script <script@example.org>', 'Newsgroups: test.tin', `Subject: scripted ${i}`, '', `body ${i}`, '.a dotted line']));
      expect(r.code).toBe(240);
      ids.push(/<[^>]+>/.exec(r.text)![0]);
    }
    await c.quit();

    writeFileSync(join(home.dir, 'newsrc'), 'test.tin:\n');
    const { port } = hostPort(node.nntpUrl!);
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('tin', ['-r', '-p', String(port), '-S', '-f', join(home.dir, 'newsrc'), '-v'], {
        cwd: home.dir,
        env: { ...process.env, HOME: home.dir, NNTPSERVER: '127.0.0.1', TERM: 'dumb' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    expect(run.out).toMatch(/Saved 3 articles from 1 group/);
    expect(run.code).toBe(0);
    const dir = join(home.dir, 'News', 'test', 'tin');
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['1', '2', '3']);
    for (let i = 0; i < 3; i++) {
      const saved = readFileSync(join(dir, String(i + 1)), 'utf8');
      expect(saved).toMatch(/^Path: tin-node!\.POSTED\.127\.0\.0\.1!not-for-mail$/m);
      expect(saved).toContain(`Message-ID: ${ids[i]}`);
      expect(saved).toContain(`Subject: scripted ${i}`);
      expect(saved).toMatch(new RegExp(`^Xref: tin-node test\\.tin:${i + 1}$`, 'm'));
      expect(saved).toMatch(new RegExp(`\\n\\nbody ${i}\\n\\.a dotted line\\n$`));
    }
  });
});
