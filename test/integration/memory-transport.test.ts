/**
 * The MemoryNetwork keeps HttpTransport's contract (node/net/transport.ts): answers of any
 * status, failures as TransportError by kind, replies bounded by `maxBytes`, a call nobody
 * answers ending at its timeout on the clock, Retry-After in ms.
 */
import Fastify from 'fastify';
import { MemoryNetwork } from '../../node/net/memory-transport';
import { TransportError } from '../../node/net/transport';
import { ManualClock } from '../helpers/manual-clock';

function app() {
  const f = Fastify();
  f.post('/echo', async (req) => ({ got: req.body, auth: req.headers.authorization ?? null }));
  f.get('/busy', async (_req, reply) => reply.code(429).header('retry-after', '7').send({ error: { code: 'NM_ERR_RATE_LIMITED', message: 'slow down' } }));
  f.get('/big', async () => 'x'.repeat(100_000));
  return f;
}

const kind = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof TransportError ? e.kind : String(e)));

describe('memory transport', () => {
  const clock = new ManualClock(0);
  const net = new MemoryNetwork(clock);
  const a = net.endpoint();
  const b = net.endpoint();
  const server = app();
  beforeAll(async () => {
    await b.bind(server);
  });
  afterAll(() => server.close());

  it('delivers through the app, with body, token and status', async () => {
    const res = await a.request({ url: b.url, method: 'POST', path: '/echo', body: JSON.stringify({ x: 1 }), token: 't0k', timeoutMs: 1000 });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ got: { x: 1 }, auth: 'Bearer t0k' });
    const busy = await a.request({ url: b.url, method: 'GET', path: '/busy', timeoutMs: 1000 });
    expect(busy).toMatchObject({ status: 429, retryAfterMs: 7000 });
    expect(a.stats.byPath['/echo']).toBe(1);
  });

  it('fails as a socket would: refused, too large, held until the timeout, aborted', async () => {
    expect(await kind(a.request({ url: 'http://127.0.0.1:1', method: 'GET', path: '/echo', timeoutMs: 1000 }))).toBe('network');
    expect(await kind(a.request({ url: b.url, method: 'GET', path: '/big', timeoutMs: 1000, maxBytes: 1000 }))).toBe('too-large');
    const heal = net.cut(a.url, b.url);
    expect(await kind(a.request({ url: b.url, method: 'POST', path: '/echo', body: '{}', timeoutMs: 1000 }))).toBe('network');
    heal();
    const unhold = net.rule(() => 'hold');
    const held = kind(a.request({ url: b.url, method: 'POST', path: '/echo', body: '{}', timeoutMs: 5000 }));
    await clock.run(4999);
    const early = await Promise.race([held, Promise.resolve('pending')]);
    expect(early).toBe('pending');
    await clock.run(1);
    expect(await held).toBe('timeout');
    const stop = new AbortController();
    const aborted = kind(a.request({ url: b.url, method: 'POST', path: '/echo', body: '{}', timeoutMs: 5000, signal: stop.signal }));
    stop.abort();
    expect(await aborted).toBe('aborted');
    unhold();
  });

  it('delays a call on the clock, and times it out when the delay passes its timeout', async () => {
    const slow = net.rule(() => ({ delayMs: 2000 }));
    const late = kind(a.request({ url: b.url, method: 'POST', path: '/echo', body: '{}', timeoutMs: 5000 }));
    await clock.run(1999);
    expect(await Promise.race([late, Promise.resolve('pending')])).toBe('pending');
    await clock.run(1);
    expect(await late).toBe('ok');
    const tooSlow = kind(a.request({ url: b.url, method: 'POST', path: '/echo', body: '{}', timeoutMs: 1000 }));
    await clock.run(1000);
    expect(await tooSlow).toBe('timeout');
    slow();
  });
});
