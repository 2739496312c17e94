/**
 * Bounds of the peer stream at both ends, with a real WebSocket on 127.0.0.1 and a receiver
 * that holds its answers: the server dispatches at most streamCallsInFlightMax calls at once
 * (the rest waits in the paused socket), the client refuses an answer larger than its call
 * allows or than any answer may be, and the compact frame form is used only with a server
 * that offered it in its upgrade answer.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { LIMITS } from '../../protocol/limits';
import { buildFrame, COMPACT_FRAMES_HEADER, isCompactFrame, splitFrame } from '../../protocol/stream-frames';
import { systemClock } from '../../node/clock';
import { NmError } from '../../node/errors';
import type { FloodEngine } from '../../node/gossip/flood-calls';
import { streamPeerRoutes } from '../../node/gossip/stream-routes';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { HttpTransport } from '../../node/net/http-transport';
import { CLIENT_MAX_PAYLOAD } from '../../node/net/stream-host';
import { StreamTransport } from '../../node/net/stream-transport';
import { REPLY_CAPS, TransportError, type PeerRequest } from '../../node/net/transport';
import { buildPeerApp } from '../../node/peer-app';
import { waitFor } from '../helpers/wait';

/** The server's own stream transport (the routes hand it two-way streams). */
const serverStreams = () => new StreamTransport({ inner: new HttpTransport({ metrics: new Metrics() }), clock: systemClock, metrics: new Metrics(), logger: silentLogger() });

describe('peer stream bounds', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('dispatches at most streamCallsInFlightMax calls at once and answers the rest as calls end', async () => {
    const held: (() => void)[] = [];
    let seen = 0;
    const engine: FloodEngine = {
      authenticate: (auth) => (auth === 'Bearer t' ? { peer: 'p' } : { error: new NmError('NM_ERR_UNAUTHORIZED', 'no') }),
      tokenOutOf: () => undefined,
      urlOf: () => 'http://127.0.0.1:1',
      limiter: { take: () => 0 },
      receiver: {
        ihave: (_peer, ids) => {
          seen++;
          return new Promise((resolve) => held.push(() => resolve({ sendme: ids, later: [] })));
        },
        takethis: async () => [],
      },
    };
    const app = buildPeerApp({ name: 'server', logger: silentLogger() }, [(a) => void a.register(streamPeerRoutes, { engine, streams: serverStreams() })]);
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const ws = new WebSocket(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/stream`, { headers: { authorization: 'Bearer t' } });
    cleanups.push(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answered = new Set<number>();
    ws.on('message', (d: Buffer) => answered.add((splitFrame(d)!.header as { id: number }).id));
    const calls = 3 * LIMITS.streamCallsInFlightMax;
    for (let id = 1; id <= calls; id++) ws.send(buildFrame({ id, path: '/v1/ihave' }, JSON.stringify({ ids: [`<${id}@t>`] }), id % 2 === 0), { binary: true });
    await waitFor('the first calls dispatched', () => seen >= LIMITS.streamCallsInFlightMax);
    // One call ends: its answer comes back, and exactly one more call is taken in.
    held.shift()!();
    await waitFor('the first answer', () => answered.size === 1);
    expect(seen).toBe(LIMITS.streamCallsInFlightMax + 1);
    expect(held).toHaveLength(LIMITS.streamCallsInFlightMax);
    // Every call is answered in the end, none lost while the socket was paused.
    await waitFor(
      'every call answered',
      () => {
        for (const release of held.splice(0)) release();
        return answered.size === calls;
      },
      10_000,
    );
    expect(seen).toBe(calls);
  });

  describe('client', () => {
    /** A stream server that answers each call with `answer(body)`, offering compact frames or not. */
    async function fakeServer(offerCompact: boolean, answer: (id: number) => Buffer | string) {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 });
      if (offerCompact) wss.on('headers', (h) => h.push(`${COMPACT_FRAMES_HEADER}: compact`));
      const forms: boolean[] = [];
      let connections = 0;
      wss.on('connection', () => connections++);
      wss.on('connection', (ws) =>
        ws.on('message', (d: Buffer) => {
          forms.push(isCompactFrame(d));
          const id = (splitFrame(d)!.header as { id: number }).id;
          ws.send(buildFrame({ id, status: 200 }, answer(id)), { binary: true });
        }),
      );
      await new Promise((r) => wss.once('listening', r));
      cleanups.push(() => new Promise((r) => wss.close(r)));
      const streams = new StreamTransport({ inner: new HttpTransport({ metrics: new Metrics() }), clock: systemClock, metrics: new Metrics(), logger: silentLogger() }, { refusedRetryMs: 60_000 });
      cleanups.push(() => streams.close());
      const req = (maxBytes: number): PeerRequest => ({ url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, method: 'POST', path: '/v1/ihave', body: '{"ids":["<a@b>"]}', token: 't', timeoutMs: 10_000, maxBytes });
      return { streams, forms, req, connections: () => connections };
    }
    const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as TransportError);

    it('refuses an answer larger than its call allows, and closes a stream that sends one larger than any answer', async () => {
      const big = (bytes: number) => `{"sendme":[],"later":[],"pad":"${'x'.repeat(bytes)}"}`;
      const sizes = new Map<number, number>([[1, 10], [2, REPLY_CAPS.ihave + 10], [3, 10], [4, CLIENT_MAX_PAYLOAD + 10]]);
      const { streams, req } = await fakeServer(true, (id) => big(sizes.get(id) ?? 10));
      expect((await streams.request(req(REPLY_CAPS.ihave))).status).toBe(200);
      const tooLarge = await failure(streams.request(req(REPLY_CAPS.ihave)));
      expect(tooLarge).toBeInstanceOf(TransportError);
      expect(tooLarge!.kind).toBe('too-large');
      // The stream stays: a later call is answered on it.
      expect((await streams.request(req(REPLY_CAPS.ihave))).status).toBe(200);
      expect(streams.openStreams()).toHaveLength(1);
      // Past the largest answer any call takes, ws refuses the frame by its declared length and the stream ends.
      const huge = await failure(streams.request(req(REPLY_CAPS.ihave)));
      expect(huge!.kind).toBe('network');
      expect(huge!.message).toMatch(/stream closed/);
      await waitFor('the stream closed', () => streams.openStreams().length === 0);
    });

    it('sends compact frames only to a server whose upgrade answer offered them', async () => {
      const ok = () => '{"sendme":[],"later":[]}';
      const plain = await fakeServer(false, ok);
      expect((await plain.streams.request(plain.req(REPLY_CAPS.ihave))).status).toBe(200);
      const compact = await fakeServer(true, ok);
      expect((await compact.streams.request(compact.req(REPLY_CAPS.ihave))).status).toBe(200);
      expect([plain.forms, compact.forms]).toEqual([[false], [true]]);
    });

    it('keeps a stream per address and token: calls with another token at the same address do not end it', async () => {
      const ok = () => '{"sendme":[],"later":[]}';
      const { streams, req, connections } = await fakeServer(true, ok);
      const as = (token: string): PeerRequest => ({ ...req(REPLY_CAPS.ihave), token });
      // A peer's calls, a stranger's naming the same address, then the peer's again: two sockets, not three.
      for (const token of ['t', 'm', 't', 'm', 't']) expect((await streams.request(as(token))).status).toBe(200);
      expect(connections()).toBe(2);
      // A third token makes room by ending the least recently used (m), not the one in use.
      expect((await streams.request(as('x'))).status).toBe(200);
      expect((await streams.request(as('t'))).status).toBe(200);
      expect(connections()).toBe(3);
      await waitFor('two streams left', () => streams.openStreams().length === 2);
    });
  });
});
