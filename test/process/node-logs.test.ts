/**
 * What a node started from the shell tells its owner: JSON log lines on stderr with ISO
 * times, a start line about who can reach the peer port, a warning (log and status page) when
 * the peer URL is the wildcard address, and a line at shutdown.
 */
import { join } from 'node:path';
import { spawnNode } from '../helpers/process';
import { tempDir } from '../helpers/tmp';

jest.setTimeout(60_000);

const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface LogLine {
  level: number;
  time: string;
  msg: string;
  node: string;
}

const lines = (stderr: string): LogLine[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('node logs', () => {
  it('logs ISO times, the open peer port, the wildcard warning, and its shutdown', async () => {
    const node = await spawnNode(['--data', join(tmp.dir, 'open'), '--name', 'loud', '--listen', '0.0.0.0:0'], { NEWSMESH_LOG_LEVEL: 'info' });
    // The ready line keeps its contract form; without --public-url it shows what is bound.
    expect(node.peerUrl).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const status = await (await fetch(`${node.webUrl}/status`)).text();
    expect(status).toContain(`the peer URL ${node.peerUrl} is the wildcard address, which other nodes cannot use: start with --public-url`);
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    const log = lines(node.stderr());
    expect(log.length).toBeGreaterThan(2);
    for (const l of log) expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(log).toContainEqual(expect.objectContaining({ level: 40, msg: `the peer port ${node.peerUrl} is open on every network this machine is on: any node may peer with it (--accept-peers open); anyone may read every group archive (--public-read on)` }));
    expect(log).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/wildcard address, which other nodes cannot use/) }));
    expect(log[log.length - 1]).toMatchObject({ level: 30, node: 'loud', msg: 'newsmesh loud stopped' });
  });

  it('shows the public URL on the ready line and the status page, without a warning', async () => {
    const node = await spawnNode(['--data', join(tmp.dir, 'public'), '--listen', '0.0.0.0:0', '--public-url', 'http://news.example.org:9119'], { NEWSMESH_LOG_LEVEL: 'info' });
    try {
      expect(node.peerUrl).toBe('http://news.example.org:9119');
      const status = await (await fetch(`${node.webUrl}/status`)).text();
      expect(status).toContain('<code>http://news.example.org:9119</code> <span class="muted">(give this one to other nodes)</span>');
      expect(lines(node.stderr()).some((l) => /wildcard/.test(l.msg))).toBe(false);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  });
});
