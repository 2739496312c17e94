/**
 * The local API belongs to the owner's browser only: what a web page on another site (or a
 * DNS-rebinding page) can send must not change anything. Attacks are sent over real HTTP
 * the way a browser would send them; the owner's own JSON client, CLI and forms keep working.
 */
import { request as httpRequest } from 'node:http';
import type { GossipEngine } from '../../node/gossip/gossip-engine';
import { startTestNode, type TestNode } from '../helpers/node';
import { inputValue, WebClient } from './web-client';

interface Raw {
  status: number;
  type: string;
  text: string;
}

/** A raw request (fetch may not set Host, Origin or Sec-Fetch-Site; a browser does). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorCode = (r: Raw): string | undefined => {
  try {
    return (JSON.parse(r.text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
};

describe('the local API belongs to the owner', () => {
  let node: TestNode;
  let host: string;
  let origin: string;
  const engine = () => node.components.service.peers as GossipEngine;

  /** A stranger's peering request waiting for the owner (what a hello under `approve` leaves). */
  async function pendingPeer(name: string): Promise<void> {
    await engine().table.put({
      name,
      url: 'http://127.0.0.1:1',
      tokenIn: `token-${name}`,
      localOk: false,
      remoteOk: true,
      addedAt: Date.now(),
      lastSeenAt: null,
      lastError: null,
      byOwner: false,
    });
  }
  const approved = (name: string) => engine().table.get(name)?.localOk === true;

  beforeAll(async () => {
    node = await startTestNode({ acceptPeers: 'approve' });
    host = new URL(node.webUrl).host;
    origin = node.webUrl;
  });
  afterAll(() => node.destroy());

  it('does not approve a pending peer for a cross-site page, however the request is dressed', async () => {
    await pendingPeer('stranger');
    const crossSite = { host, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    const attempts: [string, string, Record<string, string>, string?][] = [
      // <form method=post> with no fields: no body at all.
      ['bodiless cross-site POST', '/api/peers/stranger/approve', crossSite],
      // A form or fetch(no-cors) can send text/plain without a preflight.
      ['text/plain POST', '/api/peers/stranger/approve', { ...crossSite, 'content-type': 'text/plain' }, '{}'],
      // The same with no Origin or Sec-Fetch-Site (older browsers, or headers stripped).
      ['bodiless POST, no Origin', '/api/peers/stranger/approve', { host }],
      ['text/plain POST, no Origin', '/api/peers/stranger/approve', { host, 'content-type': 'text/plain' }, 'x'],
      ['form-encoded POST, no Origin', '/api/peers/stranger/approve', { host, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
      // A percent-encoded path reaches the same route.
      ['/%61pi/ path, bodiless', '/%61pi/peers/stranger/approve', { host }],
      ['/%61pi/ path, text/plain', '/%61pi/peers/stranger/approve', { host, 'content-type': 'text/plain' }, 'x'],
      ['/%61pi/ path, cross-site', '/%61pi/peers/stranger/%61pprove', crossSite],
      // JSON from a foreign origin (only possible after a preflight, which is never granted).
      ['JSON from a foreign Origin', '/api/peers/stranger/approve', { host, origin: 'https://evil.example', 'content-type': 'application/json' }, '{}'],
      ['JSON, Sec-Fetch-Site cross-site', '/api/peers/stranger/approve', { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '{}'],
      ['JSON, Sec-Fetch-Site same-site (another port)', '/api/peers/stranger/approve', { host, 'sec-fetch-site': 'same-site', 'content-type': 'application/json' }, '{}'],
      ['JSON, Origin null (sandboxed frame)', '/api/peers/stranger/approve', { host, origin: 'null', 'content-type': 'application/json' }, '{}'],
    ];
    for (const [name, path, headers, body] of attempts) {
      const res = await raw(node.webUrl, 'POST', path, headers, body);
      expect({ name, status: res.status, approved: approved('stranger') }).toEqual({ name, status: expect.any(Number), approved: false });
      expect({ name, ok: res.status >= 400 && res.status < 500 }).toEqual({ name, ok: true });
      expect({ name, code: errorCode(res) }).toEqual({ name, code: expect.stringMatching(/^NM_ERR_(MEDIA_TYPE|CROSS_SITE)$/) });
    }
    // The owner's own client (JSON, same origin or no Origin at all) approves it.
    const mine = await raw(node.webUrl, 'POST', '/api/peers/stranger/approve', { host, origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' });
    expect(mine.status).toBe(204);
    expect(approved('stranger')).toBe(true);
  });

  it('does not forget a peer for a bodiless cross-site DELETE or one on an encoded path', async () => {
    await pendingPeer('keepme');
    for (const [path, headers] of [
      ['/api/peers/keepme', { host }],
      ['/%61pi/peers/keepme', { host, origin: 'https://evil.example' }],
      ['/api/peers/keepme', { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }],
    ] as const) {
      const res = await raw(node.webUrl, 'DELETE', path, headers);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(engine().table.get('keepme')).toBeDefined();
    }
    const mine = await raw(node.webUrl, 'DELETE', '/api/peers/keepme', { host, 'content-type': 'application/json' });
    expect(mine.status).toBe(204);
    expect(engine().table.get('keepme')).toBeUndefined();
  });

  it('answers no foreign Host (DNS rebinding), for reads or writes, API or pages', async () => {
    await pendingPeer('rebound');
    const port = new URL(node.webUrl).port;
    for (const foreign of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const read = await raw(node.webUrl, 'GET', '/api/peers', { host: foreign });
      expect({ foreign, status: read.status, code: errorCode(read) }).toEqual({ foreign, status: 403, code: 'NM_ERR_HOST' });
      expect(read.text).not.toMatch(/rebound/);
      expect((await raw(node.webUrl, 'GET', '/api/stats', { host: foreign })).status).toBe(403);
      // Same-origin for the rebinding page: its Origin matches the Host it sends.
      const write = await raw(node.webUrl, 'POST', '/api/peers/rebound/approve', { host: foreign, origin: `http://${foreign}`, 'content-type': 'application/json' }, '{}');
      expect({ foreign, status: write.status }).toEqual({ foreign, status: 403 });
      for (const other of ['/static/style.css', '/no/such/route', '/healthz']) expect({ other, status: (await raw(node.webUrl, 'GET', other, { host: foreign })).status }).toEqual({ other, status: 403 });
      const page = await raw(node.webUrl, 'GET', '/peers', { host: foreign });
      expect(page.status).toBe(403);
      expect(page.type).toMatch(/^text\/html/);
      expect(page.text).toMatch(/--web-host/);
    }
    expect(approved('rebound')).toBe(false);
    // Loopback names and addresses with the bound port are the owner's.
    for (const ok of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect({ ok, status: (await raw(node.webUrl, 'GET', '/api/peers', { host: ok })).status }).toEqual({ ok, status: 200 });
    }
    // ...but not with another port (another local site's origin).
    expect((await raw(node.webUrl, 'GET', '/api/peers', { host: 'localhost:1' })).status).toBe(403);
  });

  it('keeps the owner JSON client and the page forms working, with the browser headers they carry', async () => {
    const post = await raw(
      node.webUrl,
      'POST',
      '/api/articles',
      { host, origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      JSON.stringify({ newsgroups: ['test.guard'], from: 'me', subject: 'mine', body: 'b' }),
    );
    expect(post.status).toBe(201);
    // A typed URL or bookmark: Sec-Fetch-Site none.
    expect((await raw(node.webUrl, 'GET', '/', { host, 'sec-fetch-site': 'none' })).status).toBe(200);
    // Cross-site links to pages still open (reading is not refused).
    expect((await raw(node.webUrl, 'GET', '/g/test.guard', { host, 'sec-fetch-site': 'cross-site' })).status).toBe(200);

    const browser = new WebClient(node.webUrl);
    const form = await browser.get('/g/test.guard/new');
    const fields = { _csrf: inputValue(form.html, '_csrf')!, from: 'me', subject: 'by form', body: 'text' };
    expect((await browser.post('/g/test.guard/new', fields, { origin, 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    // What Chrome sends for its own form under Referrer-Policy no-referrer.
    const next = await browser.get('/g/test.guard/new');
    const nullOrigin = { ...fields, subject: 'null origin', _csrf: inputValue(next.html, '_csrf')! };
    expect((await browser.post('/g/test.guard/new', nullOrigin, { origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    // The same form posted from another site is refused even with a valid token.
    const again = await browser.get('/g/test.guard/new');
    const stolen = { ...fields, _csrf: inputValue(again.html, '_csrf')! };
    const cross = await browser.post('/g/test.guard/new', stolen, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('content-type')).toMatch(/^text\/html/);
    // And without its token, from nowhere in particular.
    expect((await browser.post('/g/test.guard/new', { from: 'me', subject: 's', body: 'b' })).status).toBe(403);
  });
});
