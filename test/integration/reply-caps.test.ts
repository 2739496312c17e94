/**
 * A peer's answer is read up to a cap sized to its route, then dropped: a hostile or broken
 * peer that answers endlessly, declares a huge body or trickles it costs the node a bounded
 * amount of memory and time. Real HTTP on 127.0.0.1 port 0 throughout.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from '../../node/net/http-transport';
import { REPLY_CAPS, TransportError, type PeerRequest, type PeerResponse, type Transport } from '../../node/net/transport';
import { Metrics } from '../../node/metrics';
import { addPeer, api, destroyAll, peers, post, startGossipNode, waitFor } from './gossip-harness';
import { startTestNode, type TestNode } from '../helpers/node';
import { within } from '../helpers/wait';

const MiB = 1024 * 1024;

/** What a hostile server does with each request. */
type Behaviour = 'endless' | 'declared-huge' | 'trickle';

interface Hostile {
  url: string;
  /** Bytes it has written so far. */
  written: () => number;
  close: () => Promise<void>;
}

/** Streams JSON-looking garbage: up to `limit` bytes (endless for the test's purpose), a huge declared length, or a byte per 50 ms. */
async function hostileServer(behaviour: Behaviour, limit = 400 * MiB): Promise<Hostile> {
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    req.resume();
    open.add(res);
    res.on('close', () => open.delete(res));
    if (behaviour === 'declared-huge') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(limit) });
      res.write('{"sendme":[');
      return; // and never more
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (behaviour === 'trickle') {
      const tick = () => {
        if (res.destroyed) return;
        res.write(' ');
        written++;
        setTimeout(tick, 50);
      };
      res.write('{"ids":[');
      tick();
      return;
    }
    res.write('{"sendme":["');
    const pump = () => {
      while (!res.destroyed && written < limit) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"],"later":[]}');
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function failure(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (err) {
    return err as TransportError;
  }
  throw new Error('the call succeeded');
}

describe('capped reads of peer replies', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.allSettled(closers.splice(0).map((c) => c()));
  });

  it('gives up on an endless answer past the cap, fast and with bounded memory', async () => {
    const server = await hostileServer('endless');
    const transport = new HttpTransport({ metrics: new Metrics() });
    closers.push(() => transport.close(), server.close);
    global.gc?.();
    const before = process.memoryUsage();
    const t0 = performance.now();
    const err = await within('the call', 10_000, failure(transport.request({ url: server.url, method: 'POST', path: '/v1/ihave', body: '{}', timeoutMs: 30_000, maxBytes: MiB })));
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    expect(err).toBeInstanceOf(TransportError);
    expect(err.kind).toBe('too-large');
    expect(err.message).toMatch(/answer larger than 1048576 bytes/);
    expect(ms).toBeLessThan(2_000);
    // The reply would be 400 MiB; the node held about the cap of it.
    expect(after.rss - before.rss).toBeLessThan(64 * MiB);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(32 * MiB);
    expect(server.written()).toBeLessThan(64 * MiB);
  });

  it('refuses at once an answer whose declared length is over the cap, and caps by default', async () => {
    const server = await hostileServer('declared-huge');
    const transport = new HttpTransport({ metrics: new Metrics() });
    closers.push(() => transport.close(), server.close);
    const err = await within('the call', 5_000, failure(transport.request({ url: server.url, method: 'GET', path: '/healthz', timeoutMs: 30_000, maxBytes: 4096 })));
    expect(err.kind).toBe('too-large');
    // No maxBytes: the small cap applies, never "read it all".
    const dflt = await within('the call', 5_000, failure(transport.request({ url: server.url, method: 'GET', path: '/healthz', timeoutMs: 30_000 })));
    expect(dflt.message).toMatch(new RegExp(`larger than ${REPLY_CAPS.small} bytes`));
  });

  it('bounds the whole call: a reply that trickles in ends at the timeout', async () => {
    const server = await hostileServer('trickle');
    const transport = new HttpTransport({ metrics: new Metrics() });
    closers.push(() => transport.close(), server.close);
    const t0 = performance.now();
    const err = await within('the call', 5_000, failure(transport.request({ url: server.url, method: 'GET', path: '/healthz', timeoutMs: 600 })));
    expect(err.kind).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('sizes the caps to what an honest peer can send on each route', () => {
    expect(REPLY_CAPS.small).toBeLessThanOrEqual(64 * 1024);
    expect(REPLY_CAPS.ihave).toBeLessThan(MiB);
    expect(REPLY_CAPS.takethis).toBeLessThan(2 * MiB);
    expect(REPLY_CAPS.index).toBeLessThan(MiB);
    expect(REPLY_CAPS.sendme).toBeGreaterThan(4 * MiB);
    expect(REPLY_CAPS.sendme).toBeLessThan(10 * MiB);
  });
});

describe('every place that reads a peer reply uses a cap', () => {
  const nodes: TestNode[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await destroyAll(nodes.splice(0));
    await Promise.allSettled(closers.splice(0).map((c) => c()));
  });

  /** The real transport, except that calls to `path` go to `to` (a hostile server). */
  function divert(path: string, to: () => string | null, seen: PeerRequest[]): Transport {
    const real = new HttpTransport({ metrics: new Metrics() });
    closers.push(() => real.close());
    return {
      stats: real.stats,
      close: () => Promise.resolve(),
      request(req: PeerRequest): Promise<PeerResponse> {
        seen.push(req);
        const target = req.path === path ? to() : null;
        return real.request(target ? { ...req, url: target } : req);
      },
    };
  }

  it('a link whose peer answers IHAVE endlessly fails that call and keeps going', async () => {
    const server = await hostileServer('endless');
    closers.push(server.close);
    let hostile = false;
    const seen: PeerRequest[] = [];
    // HTTP only: the diversion is in this transport (on the stream, ws maxPayload caps an answer).
    const a = await startGossipNode({ name: 'cap-a' }, { transport: divert('/v1/ihave', () => (hostile ? server.url : null), seen), stream: false });
    const b = await startGossipNode({ name: 'cap-b' });
    nodes.push(a, b);
    await addPeer(a, b);
    hostile = true;
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    await post(a, 'test.a', 'to a peer that answers too much');
    await waitFor('the link reports the oversized answer', async () => /larger than/.test((await peers(a))[0].lastError ?? ''), 10_000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(128 * MiB);
    expect(server.written()).toBeLessThan(100 * MiB);
    // Every call the node made to a peer carried a cap no larger than the route needs.
    for (const r of seen) expect([r.path, (r.maxBytes ?? REPLY_CAPS.small) <= REPLY_CAPS.takethis]).toEqual([r.path, true]);
    expect(seen.find((r) => r.path === '/v1/ihave')?.maxBytes).toBe(REPLY_CAPS.ihave);
    // The node itself still answers.
    expect((await api(a, 'GET', '/healthz')).status).toBe(200);
  });

  it('adding a peer whose handshake answer is endless fails with a clear error', async () => {
    const server = await hostileServer('endless');
    closers.push(server.close);
    const a = await startGossipNode({ name: 'cap-c', allowPrivatePeers: true });
    nodes.push(a);
    const r = await within('the call', 15_000, api<{ error: { code: string; message: string } }>(a, 'POST', '/api/peers', { url: server.url }));
    expect(r.status).toBe(422);
    expect(r.data.error.message).toMatch(/larger than/);
    expect(server.written()).toBeLessThan(64 * MiB);
  });

  it('a mirror whose source answers endlessly fails with a clear error', async () => {
    const server = await hostileServer('endless');
    closers.push(server.close);
    const a = await startTestNode({ name: 'cap-m', allowPrivatePeers: true });
    nodes.push(a);
    const started = await within('the call', 15_000, api<{ id: string; error?: { message: string } }>(a, 'POST', '/api/mirrors', { peer: server.url, group: 'test.a' }));
    // The source is asked for the group before the job starts: that answer is capped too.
    expect(started.status).toBe(422);
    expect(started.data.error?.message).toMatch(/larger than/);
    expect(server.written()).toBeLessThan(100 * MiB);
  });
});
