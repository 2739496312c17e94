/**
 * The peer stream (/v1/stream, one WebSocket per link): flood fill rides it exactly once, an
 * older node that refuses the upgrade still exchanges articles over HTTP both ways, a stream
 * that drops is re-opened with nothing lost, and hostile streams (no token, garbage, oversized,
 * text frames) are refused without the node keeping what they sent.
 */
import WebSocket from 'ws';
import { BIND_PATH, DUPLEX_HEADER, DUPLEX_VALUE, splitFrame } from '../../protocol/stream-frames';
import { Metrics } from '../../node/metrics';
import { HttpTransport } from '../../node/net/http-transport';
import type { PeerRequest, PeerResponse, Transport } from '../../node/net/transport';
import { FaultProxy } from '../helpers/fault-proxy';
import type { TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { waitFor } from '../helpers/wait';
import { addPeer, has, post, startGossipNode } from './gossip-harness';

/** The HTTP transport under the stream: it sees only the calls that went over HTTP. */
class HttpSpy implements Transport {
  readonly http = new HttpTransport({ metrics: new Metrics() });
  readonly paths: string[] = [];
  constructor(private readonly route: (url: string) => string = (u) => u) {}
  get stats() {
    return this.http.stats;
  }
  request(req: PeerRequest): Promise<PeerResponse> {
    this.paths.push(req.path);
    return this.http.request({ ...req, url: this.route(req.url) });
  }
  dialUrl(url: string): string {
    return this.route(url);
  }
  close(): Promise<void> {
    return this.http.close();
  }
  flood(): number {
    return this.paths.filter((p) => p === '/v1/ihave' || p === '/v1/takethis').length;
  }
}

async function postMany(node: TestNode, n: number, group = 'test.a'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await post(node, group, `body ${i}`));
  return ids;
}

async function allOn(node: TestNode, ids: string[]): Promise<boolean> {
  for (const id of ids) if (!(await has(node, id))) return false;
  return true;
}

/** A posts n and they reach B; then B posts n and they reach A (so A is the first to dial). */
async function oneWayThenBack(a: TestNode, b: TestNode, n: number): Promise<void> {
  const fromA = await postMany(a, n);
  await waitFor('A posts on B', () => allOn(b, fromA), 20_000);
  const fromB = await postMany(b, n);
  await waitFor('B posts on A', () => allOn(a, fromB), 20_000);
}

const m = (n: TestNode) => n.components.metrics;

describe('peer stream', () => {
  const nodes: TestNode[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.destroy()));
    for (const c of cleanups.splice(0)) await c();
  });

  /** Two new nodes, A peered with B, each with a spy on the HTTP under its stream. */
  async function spiedPair() {
    const spyA = new HttpSpy();
    const spyB = new HttpSpy();
    const a = await startGossipNode({ name: 'alpha' }, { transport: spyA });
    const b = await startGossipNode({ name: 'beta' }, { transport: spyB });
    nodes.push(a, b);
    await addPeer(a, b);
    return { a, b, spyA, spyB };
  }

  it('carries flood fill on the stream, each body once, in both directions', async () => {
    const { a, b, spyA, spyB } = await spiedPair();
    const fromA = await postMany(a, 150);
    const fromB = await postMany(b, 50);
    await waitFor('A posts on B, B posts on A', async () => (await allOn(b, fromA)) && (await allOn(a, fromB)), 20_000);
    // Nothing of the flood fill went over HTTP; the stream counted its calls into the same figures.
    expect(spyA.flood() + spyB.flood()).toBe(0);
    expect(spyA.stats.byPath['/v1/takethis']).toBeGreaterThan(0);
    expect(b.components.metrics.articlesReceived).toBe(150);
    expect(a.components.metrics.articlesReceived).toBe(50);
    expect(b.components.metrics.articlesDuplicate + a.components.metrics.articlesDuplicate).toBe(0);
  });

  it('one socket per peered pair: the answering node calls back on the stream it accepted', async () => {
    const { a, b, spyA, spyB } = await spiedPair();
    await oneWayThenBack(a, b, 30);
    // A dialled once; B never dialled: its offers and bodies rode A's socket back.
    expect([m(a).peerStreamsDialled, m(b).peerStreamsDialled]).toEqual([1, 0]);
    expect([m(a).peerStreamsAccepted, m(b).peerStreamsAccepted]).toEqual([0, 1]);
    expect([m(a).peerStreamsOpen, m(b).peerStreamsOpen]).toEqual([1, 1]);
    expect(spyA.flood() + spyB.flood()).toBe(0);
    expect(spyB.stats.byPath['/v1/takethis']).toBeGreaterThan(0);
    expect(m(a).articlesReceived).toBe(30);
    expect(m(b).articlesDuplicate + m(a).articlesDuplicate).toBe(0);
  });

  it('two nodes that dial each other at once settle on one socket, nothing lost or doubled', async () => {
    const a = await startGossipNode({ name: 'alpha' });
    const b = await startGossipNode({ name: 'beta' });
    nodes.push(a, b);
    await addPeer(a, b);
    await addPeer(b, a);
    for (let round = 0; round < 3; round++) {
      const [fromA, fromB] = await Promise.all([postMany(a, 20), postMany(b, 20)]);
      await waitFor('posts cross both ways', async () => (await allOn(b, fromA)) && (await allOn(a, fromB)), 20_000);
    }
    expect(m(a).articlesReceived).toBe(60);
    expect(m(b).articlesReceived).toBe(60);
    expect(m(a).articlesDuplicate + m(b).articlesDuplicate).toBe(0);
    // Whoever dialled (both may have), one socket stays open between the two.
    await waitFor('one socket between the two', () => m(a).peerStreamsOpen === 1 && m(b).peerStreamsOpen === 1, 10_000);
    expect(m(a).peerStreamsDialled + m(b).peerStreamsDialled).toBeGreaterThanOrEqual(1);
  });

  it("a stranger naming a peer's address is refused, and one on its host and port takes none of its calls nor its stream", async () => {
    const { a, b } = await spiedPair();
    await oneWayThenBack(a, b, 5);
    // B's exact address is refused to anyone else; an address on B's host and port is not.
    const claim = await new PeerClient(a.peerUrl, { name: 'claimer', url: b.peerUrl }).hello();
    expect(claim.status).toBe(422);
    expect(JSON.stringify(claim.body)).toMatch(/url: .* is the address of the peer beta/);
    // Mallory greets A at an address on B's host and port, then dials A a two-way stream of its own.
    const mallory = new PeerClient(a.peerUrl, { name: 'mallory', url: `${b.peerUrl}/mallory` });
    expect((await mallory.hello()).status).toBe(200);
    const ws = new WebSocket(`${a.peerUrl.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${mallory.tokenOut}`, [DUPLEX_HEADER]: DUPLEX_VALUE } });
    const bound: string[] = [];
    ws.on('message', (d: Buffer) => {
      const split = splitFrame(d);
      const head = split?.header as { path?: string } | undefined;
      if (head?.path === BIND_PATH) bound.push((JSON.parse(split!.body.toString()) as { token: string }).token);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const ids = await postMany(a, 20);
    await waitFor('A posts on B, and A calls Mallory on its stream', async () => (await allOn(b, ids)) && bound.length > 0, 20_000);
    // Every bind Mallory saw carries the token Mallory gave A: never the one A calls B with.
    expect(new Set(bound)).toEqual(new Set([mallory.token]));
    ws.terminate();
    // Without its stream, A's calls for Mallory dial B's address (refused there): B's stream stays.
    const more = await postMany(a, 20);
    await waitFor('more posts on B', () => allOn(b, more), 20_000);
    expect(m(a).peerStreamsDialled).toBe(1);
    expect(m(b).articlesDuplicate).toBe(0);
  });

  it('a node without two-way streams (the previous version) and a new one each dial their own', async () => {
    const a = await startGossipNode({ name: 'alpha' });
    const b = await startGossipNode({ name: 'beta' }, { stream: { duplex: false } });
    nodes.push(a, b);
    await addPeer(a, b);
    await oneWayThenBack(a, b, 20);
    expect([m(a).peerStreamsDialled, m(b).peerStreamsDialled]).toEqual([1, 1]);
    expect(m(a).peerStreamsAccepted + m(b).peerStreamsAccepted).toBe(0);
    expect([m(a).peerStreamsOpen, m(b).peerStreamsOpen]).toEqual([2, 2]);
    expect(m(a).articlesReceived + m(b).articlesReceived).toBe(40);
  });

  it('an older node (no stream) and a new one exchange articles over HTTP both ways', async () => {
    const spyNew = new HttpSpy();
    const spyOld = new HttpSpy();
    const fresh = await startGossipNode({ name: 'fresh' }, { transport: spyNew });
    const old = await startGossipNode({ name: 'old' }, { transport: spyOld, stream: false });
    nodes.push(fresh, old);
    await addPeer(fresh, old);
    const fromNew = await postMany(fresh, 20);
    const fromOld = await postMany(old, 20);
    await waitFor('articles cross the old/new link', async () => (await allOn(old, fromNew)) && (await allOn(fresh, fromOld)), 20_000);
    // The new node asked for the stream, was refused (404), and fell back to HTTP.
    expect(spyNew.paths).toContain('/v1/takethis');
    expect(spyOld.paths).toContain('/v1/takethis');
    expect(old.components.metrics.articlesReceived).toBe(20);
    expect(fresh.components.metrics.articlesReceived).toBe(20);
  });

  it('re-opens a dropped stream and loses nothing', async () => {
    const b = await startGossipNode({ name: 'beta' });
    const proxy = await FaultProxy.start(b.peerUrl);
    cleanups.push(() => proxy.close());
    const bOrigin = new URL(b.peerUrl).origin;
    const spy = new HttpSpy((url) => (new URL(url).origin === bOrigin ? proxy.url : url));
    const a = await startGossipNode({ name: 'alpha' }, { transport: spy, stream: { reconnectBaseMs: 20, reconnectCapMs: 200 } });
    nodes.push(a, b);
    await addPeer(a, b);
    const first = await postMany(a, 30);
    await waitFor('first posts on B', () => allOn(b, first), 20_000);
    const connections = proxy.stats.connections;
    const ids = [...first];
    for (let round = 0; round < 3; round++) {
      proxy.reset(); // every open connection, the stream among them, is reset
      ids.push(...(await postMany(a, 40)));
    }
    await waitFor('every post on B after the resets', () => allOn(b, ids), 30_000);
    expect(proxy.stats.resets).toBeGreaterThan(0);
    // The stream came back: the last posts rode a new one (new connections through the proxy).
    const last = await postMany(a, 20);
    await waitFor('posts after recovery on B', () => allOn(b, last), 20_000);
    expect(proxy.stats.connections).toBeGreaterThan(connections);
    expect(b.components.metrics.articlesAccepted).toBe(ids.length + last.length);
  });

  describe('hostile streams', () => {
    let node: TestNode;
    let token: string;
    let wsUrl: string;
    beforeAll(async () => {
      node = await startGossipNode({ name: 'target' });
      const peer = new PeerClient(node.peerUrl, { name: 'prober' });
      await peer.hello();
      token = peer.tokenOut!;
      wsUrl = `${node.peerUrl.replace(/^http/, 'ws')}/v1/stream`;
    });
    afterAll(() => node.destroy());

    const open = (headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
      new Promise<{ ws?: WebSocket; status?: number }>((resolve, reject) => {
        const ws = new WebSocket(wsUrl, { headers });
        ws.on('unexpected-response', (_q, res) => {
          resolve({ status: res.statusCode });
          ws.terminate();
        });
        ws.on('error', () => undefined);
        ws.on('open', () => resolve({ ws }));
        setTimeout(() => reject(new Error('no answer to the upgrade')), 5_000).unref();
      });
    const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const reply = (ws: WebSocket) =>
      new Promise<{ head: Record<string, unknown>; body: string }>((resolve) =>
        ws.once('message', (d: Buffer) => {
          const nl = d.indexOf(0x0a);
          resolve({ head: JSON.parse(d.subarray(0, nl).toString()), body: d.subarray(nl + 1).toString() });
        }),
      );

    it('refuses an upgrade without a valid token (401, no socket)', async () => {
      expect((await open({})).status).toBe(401);
      expect((await open({ authorization: 'Bearer not-a-token' })).status).toBe(401);
    });

    it('closes a stream that sends garbage, text or an oversized frame', async () => {
      const g = (await open()).ws!;
      const gc = closed(g);
      g.send(Buffer.from('not a header at all'), { binary: true });
      expect(await gc).toBe(1002);
      const t = (await open()).ws!;
      const tc = closed(t);
      t.send('{"id":1,"path":"/v1/ihave"}\n{"ids":[]}');
      expect(await tc).toBe(1003);
      const big = (await open()).ws!;
      const bc = closed(big);
      // ws refuses by the frame's declared length, before it buffers the payload.
      big.send(Buffer.alloc(node.components.config.maxArticleBytes * 64 + 4 * 1024 * 1024), { binary: true });
      expect(await bc).toBe(1009);
    });

    it('keeps at most two streams per peer: a third closes the oldest', async () => {
      const first = (await open()).ws!;
      const firstClosed = closed(first);
      const second = (await open()).ws!;
      const third = (await open()).ws!;
      expect(await firstClosed).toBe(1008);
      expect(second.readyState).toBe(WebSocket.OPEN);
      expect(third.readyState).toBe(WebSocket.OPEN);
      second.close();
      third.close();
    });

    it('answers a bad call with the HTTP route\'s error and keeps the stream', async () => {
      const ws = (await open()).ws!;
      let r = reply(ws);
      ws.send(Buffer.from('{"id":7,"path":"/v1/ihave"}\n{"ids":"nope"}'), { binary: true });
      let got = await r;
      expect(got.head).toEqual({ id: 7, status: 400 });
      expect(JSON.parse(got.body).error.code).toBe('NM_ERR_VALIDATION');
      r = reply(ws);
      ws.send(Buffer.from('{"id":8,"path":"/v1/sendme"}\n{"ids":[]}'), { binary: true });
      expect((await r).head).toEqual({ id: 8, status: 404 });
      r = reply(ws);
      const tooMany = JSON.stringify({ ids: Array.from({ length: 1001 }, (_, i) => `<x${i}@y>`) });
      ws.send(Buffer.from(`{"id":9,"path":"/v1/ihave"}\n${tooMany}`), { binary: true });
      got = await r;
      expect(got.head).toEqual({ id: 9, status: 400 });
      r = reply(ws);
      ws.send(Buffer.from('{"id":10,"path":"/v1/ihave"}\n{"ids":["<a@b>"]}'), { binary: true });
      got = await r;
      expect(got.head).toEqual({ id: 10, status: 200 });
      expect(JSON.parse(got.body)).toEqual({ sendme: ['<a@b>'], later: [] });
      ws.close();
    });
  });
});
