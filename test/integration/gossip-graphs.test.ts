import { addPeer, destroyAll, idsOf, peers, post, startGossipNode, waitFor } from './gossip-harness';
import type { TestNode } from '../helpers/node';
import { randomRegular, rng } from '../helpers/graph';
import { Store } from '../../node/store/store';
import { checkStore } from '../../node/store/check';

async function floodTest(n: number, edges: [number, number][], posts: number, seed: number): Promise<void> {
  const nodes: TestNode[] = [];
  try {
    // This suite counts body copies (exactly once, 1 % slack): on a starved machine the harness's
    // 2 s in-flight marks and 3 s calls expire while a body is still on its way, and the safety
    // net then asks a second peer by design. In-flight expiry has its own tests (memory-gossip).
    for (let i = 0; i < n; i++) nodes.push(await startGossipNode({ name: `n${i}` }, { inFlightTtlMs: 30_000, requestTimeoutMs: 30_000 }));
    for (const [u, v] of edges) await addPeer(nodes[u], nodes[v]);
    const rand = rng(seed);
    const made = await Promise.all(Array.from({ length: posts }, (_, i) => post(nodes[Math.floor(rand() * n)], `test.g${i % 3}`, `post ${i} `.repeat(20))));
    const want = new Set(made);
    await waitFor(
      `all ${posts} posts on all ${n} nodes`,
      async () => (await Promise.all(nodes.map(idsOf))).every((s) => s.size >= posts),
      60_000,
    );
    for (const node of nodes) expect([...(await idsOf(node))].sort()).toEqual([...want].sort());
    let received = 0;
    let acceptedFromPeers = 0;
    for (const node of nodes) {
      const m = node.components.metrics;
      received += m.articlesReceived;
      acceptedFromPeers += m.articlesAccepted;
    }
    acceptedFromPeers -= posts; // local posts are accepted but were not received
    expect(acceptedFromPeers).toBe(posts * (n - 1));
    expect(received).toBeLessThanOrEqual(acceptedFromPeers * 1.01);
    await waitFor('queues drained', async () => (await Promise.all(nodes.map(peers))).flat().every((p) => p.backlog === 0), 20_000);
    // Every store is consistent afterwards (indexes, threads, counters, queues): `newsmesh check`.
    for (const node of nodes) {
      await node.close();
      const store = await Store.open(node.dir);
      try {
        expect((await checkStore(store)).problems).toEqual([]);
      } finally {
        await store.close();
      }
    }
  } finally {
    await destroyAll(nodes);
  }
}

describe('flood fill over graphs', () => {
  it('line of 5: 300 concurrent posts reach every node, bodies within 1% of needed', async () => {
    await floodTest(5, [[0, 1], [1, 2], [2, 3], [3, 4]], 300, 1);
  });

  it('ring of 6', async () => {
    await floodTest(6, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 0]], 300, 2);
  });

  it('random connected graph of 12 nodes, degree 3', async () => {
    await floodTest(12, randomRegular(12, 3, rng(42)), 300, 3);
  });
});
