/**
 * Both listeners cost a stranger's request bounded time and memory: a huge nested body is
 * refused without freezing the event loop, slow senders (headers or body byte by byte) are
 * cut at the timeout, connections past the per-address and global caps are closed at once
 * (and logged at a bounded rate), and each route takes bodies sized to what it needs.
 */
import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startTestNode, type TestNode } from '../helpers/node';
import { waitFor, within } from '../helpers/wait';

interface Answer {
  status: number;
  text: string;
}

function send(base: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw socket and when (ms after opening) it was closed by the other side, with what it got. */
interface Probe {
  socket: Socket;
  opened: number;
  closed: Promise<{ afterMs: number; data: string }>;
  connected: Promise<void>;
}

function probe(base: string, localAddress = '127.0.0.1'): Probe {
  const url = new URL(base);
  const socket = connect({ host: url.hostname, port: Number(url.port), localAddress });
  const opened = Date.now();
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (data += c));
  socket.on('error', () => undefined);
  const closed = new Promise<{ afterMs: number; data: string }>((resolve) => socket.on('close', () => resolve({ afterMs: Date.now() - opened, data })));
  const connected = new Promise<void>((resolve) => socket.on('connect', () => resolve()));
  return { socket, opened, closed, connected };
}

/** Writes `text` one byte at a time every `everyMs` until the socket closes. */
function drip(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** True when the socket answers one request (it was accepted, not dropped). */
async function answers(p: Probe): Promise<boolean> {
  await p.connected;
  p.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const seen = () => (p.socket.destroyed ? 'closed' : (p.socket.bytesRead ?? 0) > 0 ? 'answered' : undefined);
  return (await waitFor('an answer or a close', seen, { timeoutMs: 3000, everyMs: 10 }).catch(() => 'silent')) === 'answered';
}

describe('bounded requests on both listeners', () => {
  describe('a huge nested body', () => {
    let node: TestNode;
    beforeAll(async () => {
      node = await startTestNode();
    });
    afterAll(() => node.destroy());

    it('refuses 8 MB of nesting to /v1/sendme while /healthz stays fast', async () => {
      // Just under the old 8 MiB request limit, so only a route-sized limit or a scan refuses it early.
      const depth = 3_950_000;
      const nested = Buffer.from(`{"ids":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const latencies: number[] = [];
      let attacking = true;
      const healthz = (async () => {
        while (attacking) {
          const t = performance.now();
          const res = await send(node.peerUrl, 'GET', '/healthz', {});
          expect(res.status).toBe(200);
          latencies.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const withLength = send(node.peerUrl, 'POST', '/v1/sendme', { 'content-type': 'application/json', 'content-length': String(nested.length) }, nested);
      // Chunked: no content-length to refuse it by, the limit must cut it while reading.
      const chunked = send(node.peerUrl, 'POST', '/v1/sendme', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, nested).catch(
        (err: NodeJS.ErrnoException) => ({ status: 413, text: `reset: ${err.code}` }),
      );
      const [a, b] = await Promise.all([withLength, chunked]);
      // The loop must have been free while the bodies were refused: one more ping gets through.
      const pings = latencies.length;
      await waitFor('a ping after the refusals', () => latencies.length > pings);
      attacking = false;
      await healthz;
      delay.disable();
      expect([a.status, b.status]).toEqual([413, 413]);
      expect(a.text).toMatch(/NM_ERR_TOO_LARGE/);
      const maxDelayMs = delay.max / 1e6;
      expect(latencies.length).toBeGreaterThan(0);
      expect({ maxDelayMs: maxDelayMs < 250, maxHealthzMs: Math.max(...latencies) < 250 }).toEqual({ maxDelayMs: true, maxHealthzMs: true });
    });

    it('refuses nesting that fits the size limit before parsing it, on both listeners', async () => {
      const deep = `{"ids":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const peer = await send(node.peerUrl, 'POST', '/v1/sendme', { 'content-type': 'application/json' }, deep);
      expect(peer.status).toBe(400);
      expect(JSON.parse(peer.text)).toEqual({ error: { code: 'NM_ERR_TOO_DEEP', message: expect.stringMatching(/nesting deeper than 8/) } });
      // The web listener's small routes take 16 KiB: 5,000 levels fit in that.
      const web = await send(node.webUrl, 'POST', '/api/mirrors', { 'content-type': 'application/json' }, `{"peer":${'['.repeat(5000)}${']'.repeat(5000)}}`);
      expect(JSON.parse(web.text).error.code).toBe('NM_ERR_TOO_DEEP');
    });
  });

  describe('body limits sized to the route', () => {
    let node: TestNode;
    beforeAll(async () => {
      node = await startTestNode({ maxArticleBytes: 2048 });
    });
    afterAll(() => node.destroy());

    const json = { 'content-type': 'application/json' };

    it('sizes POST /api/articles from --max-article-bytes, with room for JSON escaping', async () => {
      // The largest body allowed, all control characters: JSON.stringify makes it 6x longer.
      const worst = '\u0001'.repeat(2048);
      const ok = await send(node.webUrl, 'POST', '/api/articles', json, JSON.stringify({ newsgroups: ['test.size'], from: 'a', subject: 's', body: worst }));
      expect(ok.status).toBe(201);
      const big = await send(node.webUrl, 'POST', '/api/articles', json, JSON.stringify({ newsgroups: ['test.size'], from: 'a', subject: 's', body: 'x'.repeat(1024 * 1024) }));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.text).error).toEqual({ code: 'NM_ERR_TOO_LARGE', message: expect.stringMatching(/body is larger than the limit of \d+ bytes for POST \/api\/articles/) });
    });

    it('keeps small routes small', async () => {
      const padded = JSON.stringify({ url: 'http://127.0.0.1:1', groups: 'x'.repeat(200_000) });
      const res = await send(node.webUrl, 'POST', '/api/peers', json, padded);
      expect(res.status).toBe(413);
      const ids = JSON.stringify({ ids: Array.from({ length: 1000 }, (_, i) => `<${String(i).padStart(240, 'x')}@x>`), pad: 'y'.repeat(1024 * 1024) });
      expect((await send(node.peerUrl, 'POST', '/v1/sendme', json, ids)).status).toBe(413);
      // A full batch of 1000 of the longest ids, with every character escaped by JSON, fits.
      const full = JSON.stringify({ ids: Array.from({ length: 1000 }, (_, i) => `<${String(i).padStart(240, '\\')}@x>`) });
      expect((await send(node.peerUrl, 'POST', '/v1/sendme', json, full)).status).toBe(200);
    });
  });

  describe('slow senders', () => {
    let node: TestNode;
    const limits = { headersTimeoutMs: 300, requestTimeoutMs: 600 };
    beforeAll(async () => {
      node = await startTestNode({}, { listenerLimits: limits });
    });
    afterAll(() => node.destroy());

    it.each(['web', 'peer'] as const)('cuts headers sent byte by byte on the %s listener', async (which) => {
      const p = probe(which === 'web' ? node.webUrl : node.peerUrl);
      drip(p.socket, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(10_000)}`, 20);
      const { afterMs, data } = await within('slow headers', 5000, p.closed);
      expect(afterMs).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 50);
      expect(data).toMatch(/^HTTP\/1\.1 408|^$/);
    });

    it.each(['web', 'peer'] as const)('cuts a body sent slowly on the %s listener', async (which) => {
      const p = probe(which === 'web' ? node.webUrl : node.peerUrl);
      const path = which === 'web' ? '/api/articles' : '/v1/sendme';
      p.socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"ids":`);
      drip(p.socket, ' '.repeat(5000), 20);
      const { afterMs } = await within('slow body', 5000, p.closed);
      expect(afterMs).toBeGreaterThanOrEqual(limits.requestTimeoutMs - 50);
    });

    it('cuts a connection that sends nothing at all', async () => {
      const p = probe(node.peerUrl);
      const { afterMs } = await within('silent socket', 5000, p.closed);
      expect(afterMs).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 50);
    });
  });

  describe('connection caps', () => {
    let node: TestNode;
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      }),
    );
    beforeAll(async () => {
      node = await startTestNode({}, { logger, listenerLimits: { maxConnectionsPerAddress: 3, maxConnections: 5, loopbackExempt: false } });
    });
    afterAll(() => node.destroy());

    it.each(['peer', 'web'] as const)('closes sockets past the per-address and global caps at once on the %s listener', async (which) => {
      const base = which === 'web' ? node.webUrl : node.peerUrl;
      const held = [probe(base), probe(base), probe(base)];
      for (const p of held) expect(await answers(p)).toBe(true);
      // A fourth from the same address is closed without an answer.
      const fourth = probe(base);
      const cut = await within('fourth socket from one address', 2000, fourth.closed);
      expect(cut.data).toBe('');
      // Another address still gets in, up to the global cap...
      const other = [probe(base, '127.0.0.2'), probe(base, '127.0.0.2')];
      for (const p of other) expect(await answers(p)).toBe(true);
      // ...and past it, any address is closed at once.
      const sixth = probe(base, '127.0.0.3');
      expect((await within('socket past the global cap', 2000, sixth.closed)).data).toBe('');
      // Closing one frees a place.
      held[0].socket.destroy();
      await held[0].closed;
      // The server frees the place when it sees the close: try until a new socket is answered.
      const again = await waitFor('a freed place', async () => {
        const p = probe(base);
        if (await answers(p)) return p;
        p.socket.destroy();
        return undefined;
      });
      for (const p of [...held, ...other, again]) p.socket.destroy();
      await Promise.all([...held, ...other, again].map((p) => p.closed));
    });

    it('does not hold loopback clients (the CLI, local nodes, a reverse proxy) to the per-address cap by default', async () => {
      const local = await startTestNode({}, { listenerLimits: { maxConnectionsPerAddress: 2, maxConnections: 6 } });
      try {
        const socks = Array.from({ length: 5 }, () => probe(local.peerUrl));
        for (const p of socks) expect(await answers(p)).toBe(true);
        for (const p of socks) p.socket.destroy();
        await Promise.all(socks.map((p) => p.closed));
      } finally {
        await local.destroy();
      }
    });

    it('logs refusals at a bounded rate', async () => {
      const flood = Array.from({ length: 40 }, () => probe(node.peerUrl, '127.0.0.4'));
      let closed = 0;
      for (const p of flood) void p.closed.then(() => closed++);
      // At most three get in; the rest are closed at once.
      await waitFor('37 sockets closed', () => closed >= 37, { timeoutMs: 3000, everyMs: 10 });
      for (const p of flood) p.socket.destroy();
      await Promise.all(flood.map((p) => p.closed));
      // Dozens of refusals in this suite, a handful of lines: one per listener per interval.
      const logged = lines.filter((l) => /connections refused/.test(l));
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(logged.length).toBeLessThanOrEqual(4);
    });
  });
});
