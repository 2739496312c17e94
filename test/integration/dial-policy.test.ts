/**
 * The address policy holds at dial time too, not only when a stranger's hello arrives: a host
 * name that resolved to a public address for the hello and to loopback afterwards (DNS
 * rebinding) is never connected to, on the address the socket would have used. URLs the owner
 * gives are dialled whatever they resolve to. Real sockets: a trap server counts connections.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../node/clock';
import { HttpTransport } from '../../node/net/http-transport';
import { TransportError } from '../../node/net/transport';
import { Metrics } from '../../node/metrics';
import { AddressPolicy } from '../../node/net/address-policy';
import type { TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { destroyAll, peers, post, startGossipNode, waitFor } from './gossip-harness';

/** A listener on 127.0.0.1 that counts the connections it gets and answers nothing. */
async function trap(): Promise<{ server: Server; port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    n++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    connections: () => n,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('the address policy at dial time', () => {
  const nodes: TestNode[] = [];
  const traps: { close: () => Promise<void> }[] = [];
  afterAll(async () => {
    await destroyAll(nodes);
    await Promise.all(traps.map((t) => t.close()));
  });

  it("refuses to connect a stranger's host name that now resolves to loopback (DNS rebinding)", async () => {
    const t = await trap();
    traps.push(t);
    // The hello's check sees a public address; every later answer is loopback.
    let asked = 0;
    const resolve = async (host: string) => (host === 'localhost' && asked++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
    // Listening on every interface opens no address class of its own.
    const victim = await startGossipNode({ name: 'rebind-victim', listen: '0.0.0.0:0' }, {}, { resolve });
    nodes.push(victim);
    const at = victim.peerUrl.replace('0.0.0.0', '127.0.0.1');
    await PeerClient.connect(at, { name: 'rebinder', url: `http://localhost:${t.port}` });
    expect(asked).toBe(1);
    await post(victim, 'test.rebind', 'offered to the rebinder');
    await waitFor('the link to report the refused dial', async () => /not dialled/.test((await peers(victim)).find((p) => p.name === 'rebinder')?.lastError ?? ''));
    const row = (await peers(victim)).find((p) => p.name === 'rebinder')!;
    expect(row.lastError).toMatch(/localhost is a loopback address \(localhost resolves to 127\.0\.0\.1\)/);
    expect(t.connections()).toBe(0);
  });

  it('checks the dials of stranger URLs only, IP literals included', async () => {
    const t = await trap();
    traps.push(t);
    const policy = new AddressPolicy({ clock: systemClock, resolve: async () => ['127.0.0.1'] }, { allowPrivate: false, ownHosts: () => ['0.0.0.0'], resolveTimeoutMs: 1_000 });
    const transport = new HttpTransport({ metrics: new Metrics(), policy }, { connectTimeoutMs: 1_000 });
    try {
      for (const url of [`http://127.0.0.1:${t.port}`, `http://localhost:${t.port}`]) {
        const refused = await transport.request({ url, method: 'GET', path: '/healthz', timeoutMs: 1_000, strangerUrl: true }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(TransportError);
        expect((refused as TransportError).message).toMatch(/not dialled: .*loopback address/);
      }
      expect(t.connections()).toBe(0);
      // The owner's URL (no strangerUrl) is dialled; the trap never answers, so it times out.
      const owner = await transport.request({ url: `http://localhost:${t.port}`, method: 'GET', path: '/healthz', timeoutMs: 300 }).catch((e: unknown) => e);
      expect((owner as TransportError).kind).toBe('timeout');
      expect(t.connections()).toBe(1);
    } finally {
      await transport.close();
    }
  });
});
