/**
 * Gossip in one process (issue 10, item 6): nodes on a MemoryNetwork and a ManualClock, so
 * back-off, in-flight expiry and deferred offers are driven by `clock.run`, never waited
 * for; the HTTP suites (gossip-*.test.ts) keep covering the real wire.
 */
import { MemoryMesh, type MeshNode } from '../helpers/memory-mesh';
import { waitFor } from '../helpers/wait';
import type { GossipPartOptions } from '../../node/gossip/gossip-part';

const GOSSIP: GossipPartOptions = {
  requestTimeoutMs: 60_000,
  helloTimeoutMs: 60_000,
  backoffBaseMs: 30_000,
  backoffCapMs: 120_000,
  inFlightTtlMs: 5_000,
  watchdogMs: 1_000,
  stallMs: 600_000,
};

const post = async (n: MeshNode, body: string): Promise<string> => (await n.components.service.post({ newsgroups: ['test.a'], from: 'tester@example', subject: 's', body })).id;
const has = async (n: MeshNode, id: string): Promise<boolean> => (await n.components.store.getStored(id)) !== undefined;
const peerInfo = async (n: MeshNode, name: string) => (await n.components.service.peers!.list()).find((p) => p.name === name)!;

describe('gossip on a memory network with a manual clock', () => {
  let mesh: MemoryMesh;
  beforeEach(() => {
    mesh = new MemoryMesh();
  });
  afterEach(() => mesh.destroy());

  it('floods every article to every node of a small mesh, each body crossing to each node once', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const n: MeshNode[] = [];
    // Each poll below moves the manual clock 250 ms however long the real work takes, so on a
    // loaded machine many polls pass while a body is on its way: in-flight marks and calls must
    // not expire during the test, or a second copy would be asked for by design.
    const patient = { ...GOSSIP, inFlightTtlMs: 3_600_000, requestTimeoutMs: 3_600_000 };
    for (const name of names) n.push(await mesh.start({ name }, patient));
    // A ring with two chords: several paths to each node, so offers race.
    for (const [u, v] of [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [0, 2], [1, 3]]) await mesh.peer(n[u], n[v]);
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => post(n[i % 5], `post ${i}`)));
    // Offers answered `later` come back after laterDelayMs of the manual clock.
    await waitFor('every article on every node', async () => {
      await mesh.clock.run(250);
      for (const node of n) for (const id of ids) if (!(await has(node, id))) return false;
      return true;
    });
    const received = n.reduce((s, x) => s + x.components.metrics.articlesReceived, 0);
    const accepted = n.reduce((s, x) => s + x.components.metrics.articlesAccepted, 0) - ids.length;
    expect(accepted).toBe(ids.length * (n.length - 1));
    expect(received).toBe(accepted); // not one body twice
    for (const node of n) expect(node.endpoint.stats.byPath['/v1/takethis']).toBeGreaterThan(0);
  });

  it('retries a failed link after its back-off on the manual clock, with no real wait', async () => {
    const a = await mesh.start({ name: 'a' }, GOSSIP);
    const b = await mesh.start({ name: 'b' }, GOSSIP);
    await mesh.peer(a, b);
    const heal = mesh.net.cut(a.peerUrl, b.peerUrl);
    const id = await post(a, 'while b is unreachable');
    await waitFor('the link to b down', async () => (await peerInfo(a, 'b')).state === 'down');
    heal();
    // Back-off is 15-30 s of clock time: nothing moves until the clock does.
    await mesh.clock.run(10_000);
    expect(await has(b, id)).toBe(false);
    expect((await peerInfo(a, 'b')).backlog).toBe(1);
    await waitFor('the article on b after the back-off', async () => {
      await mesh.clock.run(5_000);
      return has(b, id);
    }, 5_000);
    expect(mesh.clock.now() - Date.UTC(2026, 0, 1)).toBeLessThanOrEqual(60_000);
    await waitFor('the link up, its queue empty', async () => {
      const p = await peerInfo(a, 'b');
      return p.state === 'up' && p.backlog === 0;
    });
  });

  it('gives an article to a second sender once the first one\'s in-flight mark expires', async () => {
    const a = await mesh.start({ name: 'a' }, GOSSIP);
    const b = await mesh.start({ name: 'b' }, GOSSIP);
    const c = await mesh.start({ name: 'c' }, GOSSIP);
    await mesh.peer(a, b);
    await mesh.peer(c, b);
    // a's bodies to b never arrive: b asked a for the article, and waits for it.
    mesh.net.rule((from, req) => (from === a.peerUrl && req.url === b.peerUrl && req.path === '/v1/takethis' ? 'hold' : undefined));
    const id = await post(a, 'stuck on the way');
    const engine = b.components.features.get('peers') as unknown as { memoryOf(p: string): { openMarks: number } };
    await waitFor('b waiting on a for the body', () => engine.memoryOf('a').openMarks === 1);
    // c gets the same article (an import) and offers it: b says `later`, a is still sending it.
    const stored = await a.components.store.getStored(id);
    await c.components.ingest.submit([stored!.article], { kind: 'import' });
    await waitFor('c told to wait', async () => ((await peerInfo(c, 'b')).offered ?? 0) >= 1);
    expect(await has(b, id)).toBe(false);
    // Past inFlightTtlMs (5 s) the mark is gone; c's next offer is answered with a request for the body.
    await waitFor('the article on b from c', async () => {
      await mesh.clock.run(1_000);
      return has(b, id);
    }, 10_000);
    expect(mesh.clock.now() - Date.UTC(2026, 0, 1)).toBeLessThan(60_000); // a's call is still held
    expect((await peerInfo(b, 'c')).bodiesReceived).toBe(1);
    expect((await peerInfo(b, 'a')).bodiesReceived).toBe(0);
    expect((await peerInfo(b, 'a')).unfulfilled).toBeGreaterThanOrEqual(1);
  });
});
