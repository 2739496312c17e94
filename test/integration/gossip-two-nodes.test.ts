import { addPeer, api, destroyAll, has, peers, post, startGossipNode, waitFor } from './gossip-harness';
import type { TestNode } from '../helpers/node';

describe('gossip between two nodes', () => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    a = await startGossipNode({ name: 'alpha' });
    b = await startGossipNode({ name: 'beta' });
  });
  afterAll(() => destroyAll([a, b]));

  it('peers by address with one POST /api/peers, both sides up', async () => {
    const res = await addPeer(a, b);
    expect(res).toMatchObject({ name: 'beta', state: 'up' });
    const pa = await peers(a);
    const pb = await peers(b);
    expect(pa.map((p) => [p.name, p.url, p.state])).toEqual([['beta', b.peerUrl, 'up']]);
    expect(pb.map((p) => [p.name, p.url, p.state])).toEqual([['alpha', a.peerUrl, 'up']]);
  });

  it('post on A appears on B, post on B appears on A, path records the hops', async () => {
    const x = await post(a, 'test.a', 'from alpha');
    const y = await post(b, 'test.a', 'from beta');
    await waitFor('x on beta', () => has(b, x));
    await waitFor('y on alpha', () => has(a, y));
    const onB = await api<{ path: string[]; body: string }>(b, 'GET', `/api/articles/${encodeURIComponent(x)}`);
    expect(onB.data.path).toEqual(['beta', 'alpha']);
    expect(onB.data.body).toBe('from alpha');
  });

  it('counts exactly: one offer, one sendme, one body each way', async () => {
    await waitFor('queues drained', async () => (await peers(a))[0].backlog === 0 && (await peers(b))[0].backlog === 0);
    const sa = (await api<Record<string, number>>(a, 'GET', '/api/stats')).data;
    const sb = (await api<Record<string, number>>(b, 'GET', '/api/stats')).data;
    for (const s of [sa, sb]) {
      expect(s).toMatchObject({ articles: 2, ihaveSent: 1, ihaveReceived: 1, sendmeSent: 1, articlesSent: 1, articlesReceived: 1, articlesAccepted: 2, articlesDuplicate: 0 });
    }
    const link = (await peers(a))[0];
    expect(link).toMatchObject({ offered: 1, sent: 1, accepted: 1, duplicate: 0, rejected: 0, duplicateRatio: 0, lagMs: 0 });
  });

  it('refuses protocol requests without a valid token (401)', async () => {
    const res = await fetch(`${a.peerUrl}/v1/ihave`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: ['<x@y>'] }) });
    expect(res.status).toBe(401);
    const bad = await fetch(`${a.peerUrl}/v1/takethis`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token-at-all' },
      body: JSON.stringify({ articles: [{}] }),
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('NM_ERR_UNAUTHORIZED');
  });

  it('removes a peer with DELETE /api/peers/NAME', async () => {
    expect((await api(a, 'DELETE', '/api/peers/beta')).status).toBe(204);
    expect(await peers(a)).toEqual([]);
    expect((await api(a, 'DELETE', '/api/peers/beta')).status).toBe(404);
  });

  it('peers with each --peer URL given at start, retrying until the peer answers', async () => {
    // gamma is not up yet when delta starts: delta keeps trying in the background.
    const { tempDir } = await import('../helpers/tmp');
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const delta = await startGossipNode({ name: 'delta', peer: [`http://127.0.0.1:${port}`] });
    const tmp = tempDir();
    let gamma: TestNode | undefined;
    try {
      expect(await peers(delta)).toEqual([]);
      gamma = await startGossipNode({ name: 'gamma', listen: `127.0.0.1:${port}`, data: tmp.dir });
      await waitFor('delta peered with gamma', async () => (await peers(delta)).some((p) => p.name === 'gamma' && p.state === 'up'), 10_000);
      const id = await post(gamma, 'test.a', 'hi delta');
      await waitFor('post crossed', () => has(delta, id));
    } finally {
      await destroyAll([delta, gamma]);
      tmp.cleanup();
    }
  });
});
