/**
 * The dialling side of a two-way stream facing a hostile server (a real WebSocket server on
 * 127.0.0.1 that says `x-newsmesh-duplex: 1`): calls it makes before a bind are refused and the
 * stream closed, a bind with a token this node never gave (401) or one that belongs to another
 * peer than the stream was dialled to (403) is refused and the stream closed, and after a good
 * bind its calls reach the receiver as that peer's, with the same schema checks as any call,
 * and at most streamCallsInFlightMax of them at once however often it binds again.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { LIMITS } from '../../protocol/limits';
import { buildFrame, COMPACT_FRAMES_HEADER, DUPLEX_HEADER, splitFrame } from '../../protocol/stream-frames';
import { systemClock } from '../../node/clock';
import { NmError } from '../../node/errors';
import type { FloodEngine } from '../../node/gossip/flood-calls';
import { streamCallServer } from '../../node/gossip/stream-session';
import { bodyLimitsFor } from '../../node/http/body-limits';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { HttpTransport } from '../../node/net/http-transport';
import { StreamTransport } from '../../node/net/stream-transport';
import type { PeerRequest } from '../../node/net/transport';
import { waitFor } from '../helpers/wait';

interface Heard {
  id: number;
  status: number;
  body: string;
}

describe('two-way stream, dialling side', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** This node's side: tokens `good` (peer p, who gave us `t`) and `other` (peer q, who gave us `u`). */
  function client(hold = false) {
    const offered: { peer: string; ids: string[] }[] = [];
    const held: (() => void)[] = [];
    const engine: FloodEngine = {
      authenticate: (auth) => (auth === 'Bearer good' ? { peer: 'p' } : auth === 'Bearer other' ? { peer: 'q' } : { error: new NmError('NM_ERR_UNAUTHORIZED', 'unknown token') }),
      tokenOutOf: (peer) => ({ p: 't', q: 'u' })[peer],
      urlOf: () => undefined,
      limiter: { take: () => 0 },
      receiver: {
        ihave: async (peer, ids) => {
          offered.push({ peer, ids });
          if (hold) await new Promise<void>((resolve) => held.push(resolve));
          return { sendme: ids, later: [] };
        },
        takethis: async () => [],
      },
    };
    const streams = new StreamTransport({ inner: new HttpTransport({ metrics: new Metrics() }), clock: systemClock, metrics: new Metrics(), logger: silentLogger() });
    streams.calls = streamCallServer(engine, bodyLimitsFor(64 * 1024), silentLogger());
    cleanups.push(() => streams.close());
    return { streams, offered, held };
  }

  /** A server granting two-way streams; `onOpen` plays its part on each socket it accepts. */
  async function server(onOpen: (ws: WebSocket, heard: Heard[]) => void) {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('headers', (h) => h.push(`${COMPACT_FRAMES_HEADER}: compact`, `${DUPLEX_HEADER}: 1`));
    const heard: Heard[] = [];
    const closes: number[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (d: Buffer) => {
        const split = splitFrame(d)!;
        const head = split.header as { id: number; status?: number; path?: string };
        // This node's own calls are answered; the answers to the server's calls are recorded.
        if (head.path) ws.send(buildFrame({ id: head.id, status: 200 }, '{"sendme":[],"later":[]}', true), { binary: true });
        else heard.push({ id: head.id, status: head.status!, body: split.body.toString() });
      });
      ws.on('close', (code) => closes.push(code));
      onOpen(ws, heard);
    });
    await new Promise((r) => wss.once('listening', r));
    cleanups.push(
      () =>
        new Promise((r) => {
          for (const c of wss.clients) c.terminate();
          wss.close(r);
        }),
    );
    const req: PeerRequest = { url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, method: 'POST', path: '/v1/ihave', body: '{"ids":["<a@b>"]}', token: 't', timeoutMs: 10_000 };
    return { heard, closes, req };
  }

  const call = (id: number, path: string, body: unknown) => buildFrame({ id, path }, JSON.stringify(body), true);

  it('closes a stream whose server calls before binding', async () => {
    const { streams, offered } = client();
    const s = await server((ws) => ws.send(call(1, '/v1/ihave', { ids: ['<x@y>'] }), { binary: true }));
    await streams.request(s.req).catch(() => undefined);
    await waitFor('the stream closed', () => s.closes.length === 1);
    expect(offered).toEqual([]);
  });

  it.each([
    ['a token this node never gave', 'nope', 401, 'NM_ERR_UNAUTHORIZED'],
    ['the token of another peer than the one dialled', 'other', 403, 'NM_ERR_FORBIDDEN'],
  ])('refuses a bind with %s and closes the stream', async (_what, token, status, code) => {
    const { streams, offered } = client();
    const s = await server((ws) => {
      ws.send(call(1, '/v1/bind', { token }), { binary: true });
      ws.send(call(2, '/v1/ihave', { ids: ['<x@y>'] }), { binary: true });
    });
    await streams.request(s.req).catch(() => undefined);
    await waitFor('the bind answered and the stream closed', () => s.heard.length >= 1 && s.closes.length === 1);
    expect(s.heard[0].status).toBe(status);
    expect(JSON.parse(s.heard[0].body).error.code).toBe(code);
    expect(s.closes[0]).toBe(1008);
    expect(offered).toEqual([]);
  });

  it('after a good bind, serves the server calls as that peer, schema-checked', async () => {
    const { streams, offered } = client();
    const s = await server((ws) => {
      ws.send(call(1, '/v1/bind', { token: 'good' }), { binary: true });
      ws.send(call(2, '/v1/ihave', { ids: ['<x@y>'] }), { binary: true });
      ws.send(call(3, '/v1/ihave', { ids: 'not a list' }), { binary: true });
    });
    expect((await streams.request(s.req)).status).toBe(200);
    await waitFor('three answers', () => s.heard.length === 3);
    const byId = new Map(s.heard.map((h) => [h.id, h]));
    expect(byId.get(1)!.status).toBe(200);
    expect(byId.get(2)!.status).toBe(200);
    expect(JSON.parse(byId.get(2)!.body)).toEqual({ sendme: ['<x@y>'], later: [] });
    expect(byId.get(3)!.status).toBe(400);
    expect(JSON.parse(byId.get(3)!.body).error.code).toBe('NM_ERR_VALIDATION');
    expect(offered).toEqual([{ peer: 'p', ids: ['<x@y>'] }]);
    expect(s.closes).toEqual([]);
  });

  it('keeps the bound on calls in flight across binds: a new bind does not open a second session', async () => {
    const { streams, offered, held } = client(true);
    const max = LIMITS.streamCallsInFlightMax;
    const s = await server((ws) => {
      let id = 0;
      for (let round = 0; round < 3; round++) {
        ws.send(call(++id, '/v1/bind', { token: 'good' }), { binary: true });
        for (let i = 0; i < max; i++) ws.send(call(++id, '/v1/ihave', { ids: [`<${id}@y>`] }), { binary: true });
      }
    });
    // Our own call's answer waits behind the paused socket too (one socket, both ways).
    const ours = streams.request(s.req);
    await waitFor('the first calls dispatched', () => offered.length >= max);
    // One call ends: its answer goes back and exactly one more is taken in, binds or not.
    held.shift()!();
    await waitFor('the first answer', () => s.heard.some((h) => h.body.includes('sendme')));
    expect(offered).toHaveLength(max + 1);
    await waitFor(
      'every call answered',
      () => {
        for (const release of held.splice(0)) release();
        return s.heard.filter((h) => h.status === 200).length === 3 + 3 * max;
      },
      10_000,
    );
    expect(offered).toHaveLength(3 * max);
    expect((await ours).status).toBe(200);
  });
});
