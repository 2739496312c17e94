/**
 * Takedown through the real CLI and real processes: cancel, remove, removals, block rules, and
 * a SIGKILL in the middle of a retention expiry, after which `newsmesh check` is clean and
 * every article that should stay is there.
 */
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { fillGroup, getJson } from '../helpers/mirror';
import { waitFor } from '../helpers/wait';

const cli = (node: NodeProcess, ...args: string[]) => runCli([...args, '--api', node.webUrl]);
const status = async (node: NodeProcess, id: string) => (await fetch(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`)).status;

describe('takedown CLI', () => {
  it('cancel, remove, removals and block rules', async () => {
    const tmp = tempDir();
    const node = await spawnNode(['--data', tmp.dir]);
    try {
      const post = async (subject: string) => (await cli(node, 'post', '--group', 'test.cli', '--from', 'me@x', '--subject', subject, '--body', 'b')).stdout.trim();
      const a = await post('to cancel');
      const b = await post('to remove');
      const c = await cli(node, 'cancel', a);
      expect(c).toMatchObject({ code: 0, stderr: '' });
      expect(c.stdout).toMatch(new RegExp(`^cancel <\\S+> sent for ${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: removed here\\n$`));
      expect(await status(node, a)).toBe(410);
      const wrong = await cli(node, 'cancel', b, '--key', `sha256:${Buffer.alloc(32, 9).toString('base64')}`);
      expect(wrong.stdout).toContain('nothing changed');
      expect(await status(node, b)).toBe(200);
      expect(await cli(node, 'remove', b, '--reason', 'off topic')).toMatchObject({ code: 0, stdout: `removed ${b}: off topic\n` });
      expect(await status(node, b)).toBe(410);
      const again = await cli(node, 'remove', b, '--reason', 'x');
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain("was removed by this node's owner: off topic");
      const list = await cli(node, 'removals');
      expect(list.stdout.split('\n')[0]).toMatch(/owner {2}<\S+> {2}off topic$/);
      expect(list.stdout.split('\n')[1]).toMatch(/cancel {2}<\S+> {2}cancelled by its poster/);

      expect(await cli(node, 'block', 'add', '--group', 'spam.*', '--reason', 'spam')).toMatchObject({ code: 0, stdout: 'block rule 1 added: group spam.*\n' });
      expect((await cli(node, 'block', 'add', '--group', 'x', '--from', 'y')).code).not.toBe(0);
      expect((await cli(node, 'block', 'list')).stdout).toBe('1  group  spam.*  (spam)\n');
      const refused = await cli(node, 'post', '--group', 'spam.x', '--from', 'me@x', '--subject', 's', '--body', 'b');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('blocked by this node\'s owner');
      expect(await cli(node, 'block', 'remove', '1')).toMatchObject({ code: 0 });
      expect((await cli(node, 'block', 'list')).stdout).toBe('no block rules\n');
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
      tmp.cleanup();
    }
    // Fourteen CLI processes: a few seconds each when the machine is busy.
  }, 240_000);

  it('SIGKILL during expiry: check is clean, nothing that should stay is lost', async () => {
    const tmp = tempDir();
    const env = { NEWSMESH_RETAIN_SWEEP_MS: '300', NEWSMESH_RETAIN_SLICE: '100', NEWSMESH_RETAIN_PAUSE_MS: '1' };
    let node = await spawnNode(['--data', tmp.dir, '--retain', 'old.*=1s,*=forever'], env);
    const keep = await fillGroup(node.webUrl, 'keep.a', 1000);
    const old = await fillGroup(node.webUrl, 'old.a', 12_000);
    const count = async () => (await getJson<{ name: string; count: number }[]>(`${node.webUrl}/api/groups`)).find((g) => g.name === 'old.a')?.count ?? 0;
    // Kill in the middle: some expired, many left.
    await waitFor('expiry under way', async () => {
      const n = await count();
      return n < 11_000 && n > 0;
    }, { timeoutMs: 30_000, everyMs: 5 });
    node.child.kill('SIGKILL');
    await node.exited;
    const check = await runCli(['check', '--data', tmp.dir]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^newsmesh check: ok: /);
    node = await spawnNode(['--data', tmp.dir]);
    try {
      for (let i = 0; i < keep.length; i += 100) expect(new Set(await Promise.all(keep.slice(i, i + 100).map((id) => status(node, id))))).toEqual(new Set([200]));
      const left = await count();
      const statuses: number[] = [];
      for (let i = 0; i < old.length; i += 100) statuses.push(...(await Promise.all(old.slice(i, i + 100).map((id) => status(node, id)))));
      // Every old article is either still here or expired (410): none half-there, none lost otherwise.
      expect(statuses.filter((s) => s === 200).length).toBe(left);
      expect(statuses.filter((s) => s === 410).length).toBe(old.length - left);
      expect(left).toBeGreaterThan(0);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
      tmp.cleanup();
    }
  }, 240_000);
});
