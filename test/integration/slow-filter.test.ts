/**
 * A stranger's hello carries a group filter that the node stores with the peer and applies
 * to every article it routes. A pattern built to make a backtracking matcher explode must
 * not slow a post down, neither when it arrives nor after a restart (it is read back from
 * the store). Real node, real LevelDB kept across the restart, a keyed peer by hand.
 */
import { PeerClient } from '../helpers/peer-client';
import { startTestNode, type TestNode } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { api, post } from './gossip-harness';
import type { PeerInfo } from '../../protocol/api';

/** A dozen stars: with a RegExp per item, one long group name took longer than anyone waits. */
const ATTACK = `${'*a'.repeat(12)}*b`;
const LONG_GROUP = `${'a'.repeat(60)}.${'a'.repeat(59)}`;

async function timedPost(node: TestNode): Promise<number> {
  const t0 = performance.now();
  await post(node, LONG_GROUP, 'an ordinary post');
  return performance.now() - t0;
}

describe('a malicious group filter', () => {
  const tmp = tempDir();
  let node: TestNode | undefined;
  afterAll(async () => {
    await node?.close();
    tmp.cleanup();
  });

  it('costs an ordinary post nothing, before and after a restart', async () => {
    node = await startTestNode({ name: 'filtered', data: tmp.dir });
    await PeerClient.connect(node.peerUrl, { name: 'mallory', groups: ATTACK });
    const row = (await api<PeerInfo[]>(node, 'GET', '/api/peers')).data.find((p) => p.name === 'mallory');
    // The filter is live: an active peer, so the router asks it about every article.
    expect(row?.state).not.toBe('pending');
    await post(node, 'test.warmup');
    expect(await timedPost(node)).toBeLessThan(500);

    await node.close();
    node = await startTestNode({ name: 'filtered', data: tmp.dir });
    expect(await timedPost(node)).toBeLessThan(500);
    expect((await api(node, 'GET', '/healthz')).status).toBe(200);
  });
});
