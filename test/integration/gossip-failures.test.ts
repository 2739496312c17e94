import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from '../../node/net/http-transport';
import { generateNodeKey } from '../../node/identity/node-key';
import { signChallenge, signHelloReply } from '../../node/identity/key-proof';
import { Metrics } from '../../node/metrics';
import type { PeerRequest, PeerResponse, Transport } from '../../node/net/transport';
import { makeArticle } from '../helpers/node';
import type { TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { addPeer, destroyAll, has, idsOf, peers, post, startGossipNode, waitFor } from './gossip-harness';

/** A peer that greets correctly (with key proof), then holds every other request open without answering. */
async function blackHolePeer(): Promise<{ url: string; held: () => number; close: () => Promise<void> }> {
  const held: ServerResponse[] = [];
  const me = generateNodeKey();
  const name = 'blackhole';
  const token = 'blackhole-token-0123456789';
  const challenge = 'blackhole-challenge-0123456789';
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const body = text ? (JSON.parse(text) as { nonce: string }) : { nonce: '' };
      const ok = (reply: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      };
      if (req.url === '/v1/challenge') {
        return ok({ challenge, name, version: 1, key: me.key, sig: signChallenge(me, { nonce: body.nonce, challenge, name, key: me.key }) });
      }
      if (req.url !== '/v1/hello') return void held.push(res);
      const state = 'up';
      ok({ name, version: 1, token, state, key: me.key, sig: signHelloReply(me, { nonce: body.nonce, challenge, name, key: me.key, token, state }) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held: () => held.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function hello(node: TestNode, name: string): Promise<string> {
  const peer = await PeerClient.connect(node.peerUrl, { name, token: `${name}-token-0123456789` });
  return peer.tokenOut!;
}

const peerPost = (node: TestNode, token: string, path: string, body: unknown) =>
  fetch(`${node.peerUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

describe('unreachable, dying and stalled peers', () => {
  const nodes: TestNode[] = [];
  afterAll(() => destroyAll(nodes));

  it('a peer that accepts the connection and never answers does not delay the others', async () => {
    const hole = await blackHolePeer();
    try {
      const a = await startGossipNode({ name: 'alpha' }, { requestTimeoutMs: 5_000 });
      const b = await startGossipNode({ name: 'beta' });
      nodes.push(a, b);
      await addPeer(a, { peerUrl: hole.url });
      await addPeer(a, b);
      const t0 = Date.now();
      const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => post(a, 'test.a', `x ${i}`)));
      await waitFor('all on beta', async () => (await idsOf(b)).size === ids.length, 5_000);
      // Well before the silent peer's request could even time out.
      expect(Date.now() - t0).toBeLessThan(4_000);
      expect(hole.held()).toBeGreaterThan(0);
      // The silent peer is timed out and marked down, its backlog kept.
      await waitFor('blackhole down', async () => (await peers(a)).find((p) => p.name === 'blackhole')?.state === 'down', 10_000);
      const row = (await peers(a)).find((p) => p.name === 'blackhole')!;
      expect(row.backlog).toBe(50);
      expect(row.lastError).toMatch(/no answer within/);
    } finally {
      await hole.close();
    }
  });

  it('an in-flight mark expires when the body never comes, so another peer delivers it', async () => {
    const a = await startGossipNode({ name: 'a2' });
    const c = await startGossipNode({ name: 'c2' }, { inFlightTtlMs: 1_000 });
    nodes.push(a, c);
    // a2 greets c2, so both a2 and "dying" are strangers to c2 (a peer c2's owner added would
    // take the mark from a stranger at once: honest-copies.test.ts).
    await addPeer(a, c);
    const token = await hello(c, 'dying');
    const article = makeArticle({}, 7);
    const id = article.id as string;
    // "dying" offers the id, gets sendme, then never sends the body.
    const r1 = await (await peerPost(c, token, '/v1/ihave', { ids: [id] })).json();
    expect(r1).toEqual({ sendme: [id], later: [] });
    // Another peer offering it is told `later`; "dying" itself may retry (its transfer failed).
    const other = await hello(c, 'other');
    expect(await (await peerPost(c, other, '/v1/ihave', { ids: [id] })).json()).toEqual({ sendme: [], later: [id] });
    expect(await (await peerPost(c, token, '/v1/ihave', { ids: [id] })).json()).toEqual({ sendme: [id], later: [] });
    const t0 = Date.now();
    // a2 gets the article and offers it to c2: `later` until the mark expires.
    expect((await a.components.ingest.submit([article], { kind: 'local' }))[0].status).toBe('accepted');
    await waitFor('c2 got the id from a2', () => has(c, id), 5_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect((await peers(a)).find((p) => p.name === 'c2')!.offered).toBeGreaterThan(1);
    expect(c.components.metrics.articlesReceived).toBe(1);
  });

  it('a link whose queue stops moving while the peer answers /healthz is restarted by itself', async () => {
    // The real transport, except that the first IHAVEs hang (as a wedged socket pool would),
    // ignoring their timeout but not an abort.
    const real = new HttpTransport({ metrics: new Metrics() });
    let hangs = 2;
    const wedged: Transport = {
      stats: real.stats,
      close: () => real.close(),
      request(req: PeerRequest): Promise<PeerResponse> {
        if (req.path === '/v1/ihave' && hangs > 0) {
          hangs--;
          return new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
        }
        return real.request(req);
      },
    };
    // HTTP only: the wedge is in this transport's pool (a stream's silent socket is closed by its call timeout instead).
    const a = await startGossipNode({ name: 'a3' }, { transport: wedged, stallMs: 800, watchdogMs: 200, maxInFlight: 2, stream: false });
    const b = await startGossipNode({ name: 'b3' });
    nodes.push(a, b);
    await addPeer(a, b);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => post(a, 'test.a', `w ${i}`)));
    await waitFor('delivered after the restart', async () => (await idsOf(b)).size === ids.length, 8_000);
    const row = (await peers(a)).find((p) => p.name === 'b3')!;
    expect(row.restarts).toBeGreaterThanOrEqual(1);
    await waitFor('backlog drained', async () => (await peers(a))[0].backlog === 0);
  });

  it('rejects invalid articles of a batch one by one, accepts the rest, refuses loops', async () => {
    const c = await startGossipNode({ name: 'c4' });
    nodes.push(c);
    const token = await hello(c, 'pusher');
    const good = makeArticle({}, 1);
    const bad = makeArticle({ from: '' }, 2);
    const loop = makeArticle({ path: ['x', 'c4'] }, 3);
    const res = await peerPost(c, token, '/v1/takethis', { articles: [good, bad, loop] });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { id: string; status: string; reason?: string }[] };
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(results[1].reason).toMatch(/^from:/);
    expect(results[2].reason).toMatch(/loop/);
    expect(await has(c, good.id as string)).toBe(true);
    const stats = (await (await fetch(`${c.webUrl}/api/stats`)).json()) as Record<string, number>;
    expect(stats).toMatchObject({ articlesReceived: 3, articlesAccepted: 1, articlesRejected: 2 });
  });

  it('limits batch sizes and request bytes', async () => {
    const c = await startGossipNode({ name: 'c5' });
    nodes.push(c);
    const token = await hello(c, 'big');
    const ids = Array.from({ length: 1001 }, (_, i) => `<${i}@x>`);
    const tooMany = await peerPost(c, token, '/v1/ihave', { ids });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toMatch(/at most 1000/);
    // Past a full batch of the longest ids with JSON escaping (about 500 KB).
    const huge = await peerPost(c, token, '/v1/ihave', { ids: ['<a@x>'], pad: 'x'.repeat(700_000) });
    expect(huge.status).toBe(413);
    const empty = await peerPost(c, token, '/v1/takethis', { articles: [] });
    expect(empty.status).toBe(400);
  });
});
