import { startNode } from '../../node/main';
import { silentLogger } from '../../node/logger';
import { gossipPart } from '../../node/gossip/gossip-part';
import { tempDir } from '../helpers/tmp';
import type { RunningNode } from '../../node/main';
import { addPeer, destroyAll, idsOf, peers, post, startGossipNode, TEST_GOSSIP, waitFor } from './gossip-harness';
import type { TestNode } from '../helpers/node';

describe('a node stopped mid-stream catches up after restart', () => {
  const tmp = tempDir();
  let a: TestNode;
  let b: TestNode;
  let c: RunningNode | undefined;
  // Long back-off on the senders: only the restarted node's hello can end it quickly.
  const slowRetry = { ...TEST_GOSSIP, backoffBaseMs: 20_000, backoffCapMs: 60_000 };
  const startC = () => startNode({ name: 'gamma', web: '127.0.0.1:0', listen: '127.0.0.1:0', data: tmp.dir }, { logger: silentLogger(), parts: [gossipPart(slowRetry)] });

  afterAll(async () => {
    await destroyAll([a, b]);
    await c?.close();
    tmp.cleanup();
  });

  it('keeps the backlog on disk, and the restarted node greets with its new URL and gets it all', async () => {
    a = await startGossipNode({ name: 'alpha' }, slowRetry);
    b = await startGossipNode({ name: 'beta' }, slowRetry);
    c = await startC();
    await addPeer(a, b);
    await addPeer(b, c);
    await addPeer(c, a);
    const first = await Promise.all(Array.from({ length: 50 }, (_, i) => post(i % 2 ? a : b, 'test.a', `first ${i}`)));
    await waitFor('first posts on gamma', async () => (await idsOf(c!)).size === first.length);

    // Stop gamma while posts keep coming on alpha and beta.
    const making = Promise.all(Array.from({ length: 500 }, (_, i) => post(i % 2 ? a : b, 'test.b', `second ${i}`)));
    await waitFor('the second posts to be under way', async () => ((await a.components.store.group('test.b'))?.count ?? 0) + ((await b.components.store.group('test.b'))?.count ?? 0) > 0);
    const oldUrl = c.peerUrl;
    await c.close();
    const second = await making;
    await waitFor('senders noticed gamma is down', async () => (await peers(a)).find((p) => p.name === 'gamma')?.state === 'down' || (await peers(b)).find((p) => p.name === 'gamma')?.state === 'down', 10_000);
    const backlogs = (await Promise.all([peers(a), peers(b)])).flat().filter((p) => p.name === 'gamma');
    expect(backlogs.reduce((s, p) => s + p.backlog, 0)).toBeGreaterThan(0);

    c = await startC();
    expect(c.peerUrl).not.toBe(oldUrl);
    const t0 = Date.now();
    const all = new Set([...first, ...second]);
    await waitFor('gamma caught up', async () => (await idsOf(c!)).size === all.size, 15_000);
    // The sender's back-off was 20 s or more: only the hello can have ended it this soon.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect([...(await idsOf(c!))].sort()).toEqual([...all].sort());
    await waitFor('backlogs empty, new URL learned', async () => {
      const rows = (await Promise.all([peers(a), peers(b)])).flat().filter((p) => p.name === 'gamma');
      return rows.every((p) => p.backlog === 0 && p.url === c!.peerUrl && p.state === 'up');
    });
  });
});
