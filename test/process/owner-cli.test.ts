/**
 * The CLI drives a node process through its local API as the owner, now that the web
 * listener takes changes only as JSON requests from its own site: approving and removing a
 * stranger's peering request works from `newsmesh peers`, a bare POST of the same does not,
 * and `--web-host` names the node answers to.
 */
import { request } from 'node:http';
import { PeerClient } from '../helpers/peer-client';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';

jest.setTimeout(120_000);

interface PeerRow {
  name: string;
  state: string;
}

describe('the owner CLI against a node process', () => {
  const dir = tempDir();
  let node: NodeProcess;
  beforeAll(async () => {
    node = await spawnNode(['--data', dir.dir, '--accept-peers', 'approve', '--web-host', 'news.example.org']);
  });
  afterAll(async () => {
    if (node && node.child.exitCode === null) node.child.kill('SIGTERM');
    await node?.exited;
    dir.cleanup();
  });

  const list = async () => (await (await fetch(`${node.webUrl}/api/peers`)).json()) as PeerRow[];

  it('approves and removes a pending peer with `newsmesh peers`, where a bare POST cannot', async () => {
    await PeerClient.connect(node.peerUrl, { name: 'asker' });
    expect(await list()).toEqual([expect.objectContaining({ name: 'asker', state: 'pending' })]);

    // What a form of another site can send: no JSON, no Origin.
    const bare = await fetch(`${node.webUrl}/api/peers/asker/approve`, { method: 'POST' });
    expect(bare.status).toBe(415);
    expect((await list())[0].state).toBe('pending');

    const approved = await runCli(['peers', 'approve', 'asker', '--api', node.webUrl]);
    expect({ code: approved.code, stderr: approved.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await list())[0].state).not.toBe('pending');

    const removed = await runCli(['peers', 'remove', 'asker', '--api', node.webUrl]);
    expect({ code: removed.code, stderr: removed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await list()).toEqual([]);
  });

  it('answers its --web-host name and loopback, and no other name', async () => {
    const port = new URL(node.webUrl).port;
    const ask = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/api/groups', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await ask('news.example.org')).toBe(200);
    expect(await ask(`localhost:${port}`)).toBe(200);
    expect(await ask(`rebind.example:${port}`)).toBe(403);
  });
});
