/**
 * The node key from the outside: `newsmesh start` logs its fingerprint on stderr (stdout keeps
 * only the ready line), the key file is owner-only and survives a restart, and `peers list`
 * prints each peer's fingerprint.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

const nodeInfo = async (p: NodeProcess) => (await (await fetch(`${p.webUrl}/api/node`)).json()) as { fingerprint: string; key: string; name: string };

describe('node key of a newsmesh process', () => {
  const dirA = tempDir();
  const dirB = tempDir();
  const procs: NodeProcess[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    dirA.cleanup();
    dirB.cleanup();
  });

  it('logs its fingerprint at start, keeps its key, and peers list shows fingerprints', async () => {
    const a = await spawnNode(['--data', dirA.dir, '--name', 'key-a'], { NEWSMESH_LOG_LEVEL: 'info' });
    const b = await spawnNode(['--data', dirB.dir, '--name', 'key-b']);
    procs.push(a, b);
    const [ia, ib] = [await nodeInfo(a), await nodeInfo(b)];
    await waitFor('fingerprint in the log', () => a.stderr().includes(`"fingerprint":"${ia.fingerprint}"`));
    expect(a.stderr()).toContain(`node key ${ia.fingerprint}`);
    expect(statSync(join(dirA.dir, 'node.key')).mode & 0o777).toBe(0o600);

    const added = await runCli(['peers', 'add', b.peerUrl, '--api', a.webUrl]);
    expect(added.code).toBe(0);
    const listed = await runCli(['peers', 'list', '--api', a.webUrl]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^key-b\\s+\\S+\\s+\\w+\\s+backlog=\\d+\\s+key=${ib.fingerprint}\\s`, 'm'));

    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const again = await spawnNode(['--data', dirA.dir]);
    procs.push(again);
    expect((await nodeInfo(again)).key).toBe(ia.key);
  });
});
