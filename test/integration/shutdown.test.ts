/**
 * Shutdown: the listeners close before the parts stop (no request reaches a part that is
 * stopping), and a node stops within a bound even when a peer accepts connections and never
 * answers: at start-up (--peer), in the middle of a link's batch, and under an owner's request
 * that waits on such a peer.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { NodePart } from '../../node/part';
import { defaultParts } from '../../node/parts';
import { frontDoor, type FrontDoor } from '../helpers/front-door';
import { startTestNode, type TestNode } from '../helpers/node';
import { waitFor, within } from '../helpers/wait';
import { addPeer, peers, post } from './gossip-harness';

/** A TCP server that accepts every connection and never writes a byte. */
async function silentPeer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const STOP_BOUND_MS = 4_000;

async function timedClose(node: TestNode): Promise<number> {
  const t0 = Date.now();
  await within('the node to stop', 20_000, node.destroy());
  return Date.now() - t0;
}

describe('shutdown', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('closes the listeners before the parts stop', async () => {
    let webUrl = '';
    let answeredWhileStopping: boolean | undefined;
    const probe: NodePart = {
      name: 'probe',
      stop: async () => {
        answeredWhileStopping = await fetch(`${webUrl}/healthz`).then(
          () => true,
          () => false,
        );
      },
    };
    const node = await startTestNode({ name: 'close-order' }, { parts: [...defaultParts, () => probe] });
    webUrl = node.webUrl;
    expect((await fetch(`${webUrl}/healthz`)).status).toBe(200);
    await node.destroy();
    expect(answeredWhileStopping).toBe(false);
  });

  it('stops within a bound while its --peer accepts the connection and never answers', async () => {
    const hole = await silentPeer();
    cleanups.push(hole.close);
    const node = await startTestNode({ name: 'hole-at-start', peer: [hole.url] });
    await waitFor('the hello to reach the silent peer', () => hole.connections() > 0);
    expect(await timedClose(node)).toBeLessThan(STOP_BOUND_MS);
  });

  it('stops within a bound while a link waits on a peer that stopped answering', async () => {
    const b = await startTestNode({ name: 'quiet-b' });
    cleanups.push(() => b.destroy());
    let door: FrontDoor | undefined;
    door = await frontDoor(b.peerUrl, 'pass');
    cleanups.push(() => door!.close());
    const a = await startTestNode({ name: 'quiet-a' });
    await addPeer(a, { peerUrl: door.url });
    await waitFor('the link to be up', async () => (await peers(a)).some((p) => p.state === 'up'));
    door.mode = 'silent';
    const before = door.seen['/v1/ihave'] ?? 0;
    await post(a, 'test.quiet', 'offered into silence');
    await waitFor('the offer to hang at the peer', () => (door!.seen['/v1/ihave'] ?? 0) > before);
    expect(await timedClose(a)).toBeLessThan(STOP_BOUND_MS);
  });

  it("stops within a bound while an owner's request waits on a silent peer", async () => {
    const hole = await silentPeer();
    cleanups.push(hole.close);
    const node = await startTestNode({ name: 'hole-request' });
    const pending = fetch(`${node.webUrl}/api/mirrors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ peer: hole.url, group: 'test.hole' }),
    }).then(
      (r) => r.status,
      () => 'dropped',
    );
    await waitFor('the mirror check to reach the silent peer', () => hole.connections() > 0);
    expect(await timedClose(node)).toBeLessThan(STOP_BOUND_MS);
    await pending;
  });
});
