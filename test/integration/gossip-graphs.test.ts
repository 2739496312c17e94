import { addPeer, destroyAll, idsOf, peers, post, startGossipNode, waitFor } from './gossip-harness';
import type { TestNode } from '../helpers/node';

/** Deterministic PRNG so a failing graph can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** A random connected 3-regular graph on n nodes (n even): retried until connected. */
function randomRegular(n: number, d: number, rand: () => number): [number, number][] {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const stubs = Array.from({ length: n * d }, (_, i) => Math.floor(i / d));
    for (let i = stubs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [stubs[i], stubs[j]] = [stubs[j], stubs[i]];
    }
    const edges: [number, number][] = [];
    const seen = new Set<string>();
    let ok = true;
    for (let i = 0; i < stubs.length; i += 2) {
      const [u, v] = [Math.min(stubs[i], stubs[i + 1]), Math.max(stubs[i], stubs[i + 1])];
      if (u === v || seen.has(`${u}-${v}`)) {
        ok = false;
        break;
      }
      seen.add(`${u}-${v}`);
      edges.push([u, v]);
    }
    if (!ok) continue;
    const reach = new Set([0]);
    for (let k = 0; k < n; k++) for (const [u, v] of edges) if (reach.has(u) || reach.has(v)) reach.add(u).add(v);
    if (reach.size === n) return edges;
  }
  throw new Error('no connected regular graph found');
}

async function floodTest(n: number, edges: [number, number][], posts: number, seed: number): Promise<void> {
  const nodes: TestNode[] = [];
  try {
    for (let i = 0; i < n; i++) nodes.push(await startGossipNode({ name: `n${i}` }));
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
