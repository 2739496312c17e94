/**
 * The node key: made once in the data dir (mode 0600), the same after a restart, a readable
 * key file fixed with a warning, a broken one refused in one sentence; `GET /api/node`; each
 * peer's key and fingerprint in `GET /api/peers` and on the peers page, with the node's own.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { fingerprint } from '../../node/identity/fingerprint';
import { startNode } from '../../node/main';
import { startTestNode, type TestNode } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { addPeer, api, destroyAll, peers } from './gossip-harness';
import { WebClient } from './web-client';

type NodeInfo = { name: string; fingerprint: string; key: string; peerUrl: string; webUrl: string; nntpUrl?: string };

const FINGERPRINT = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

function capturingLogger(): { logger: pino.Logger; lines: () => { msg: string; level: number }[] } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; level: number }) };
}

describe('node identity', () => {
  const nodes: TestNode[] = [];
  afterAll(() => destroyAll(nodes));

  it('makes an Ed25519 key once, owner-readable only, and keeps it across restarts', async () => {
    const tmp = tempDir();
    try {
      const start = (logger: pino.Logger) => startNode({ data: tmp.dir, web: '127.0.0.1:0', listen: '127.0.0.1:0', nntp: '127.0.0.1:0', name: 'keyed' }, { logger });
      const first = capturingLogger();
      let node = await start(first.logger);
      const info = (await api<NodeInfo>(node, 'GET', '/api/node')).data;
      expect(info).toEqual({ name: 'keyed', fingerprint: expect.stringMatching(FINGERPRINT), key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), peerUrl: node.peerUrl, webUrl: node.webUrl, nntpUrl: node.nntpUrl });
      expect(info.nntpUrl).toMatch(/^nntp:\/\/127\.0\.0\.1:\d+$/);
      expect(info.fingerprint).toBe(fingerprint(info.key));
      expect(first.lines().some((l) => l.msg === `node key ${info.fingerprint}`)).toBe(true);
      const keyFile = join(tmp.dir, 'node.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      await node.close();

      // Someone made it readable: fixed at start, with a warning, same identity.
      chmodSync(keyFile, 0o644);
      const second = capturingLogger();
      node = await start(second.logger);
      expect((await api<NodeInfo>(node, 'GET', '/api/node')).data.key).toBe(info.key);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(second.lines().some((l) => l.level === 40 && /readable by group or others/.test(l.msg))).toBe(true);
      await node.close();

      // A broken key file stops the start with one sentence, and leaves the store usable.
      const saved = readFileSync(keyFile);
      writeFileSync(keyFile, 'not a key', { mode: 0o600 });
      await expect(start(pino({ level: 'silent' }))).rejects.toThrow(/node\.key is not a readable private key; restore it from a backup/);
      writeFileSync(keyFile, saved, { mode: 0o600 });
      node = await start(pino({ level: 'silent' }));
      expect((await api<NodeInfo>(node, 'GET', '/api/node')).data.fingerprint).toBe(info.fingerprint);
      await node.close();
    } finally {
      tmp.cleanup();
    }
  });

  it("shows each peer's key and fingerprint in GET /api/peers and on the peers page, with its own", async () => {
    const a = await startTestNode({ name: 'fp-a' });
    const b = await startTestNode({ name: 'fp-b' });
    nodes.push(a, b);
    await addPeer(a, b);
    const [ia, ib] = [(await api<NodeInfo>(a, 'GET', '/api/node')).data, (await api<NodeInfo>(b, 'GET', '/api/node')).data];
    expect(ia.fingerprint).not.toBe(ib.fingerprint);
    expect((await peers(a))[0]).toMatchObject({ name: 'fp-b', key: ib.key, fingerprint: ib.fingerprint });
    expect((await peers(b))[0]).toMatchObject({ name: 'fp-a', key: ia.key, fingerprint: ia.fingerprint });
    const page = await new WebClient(a.webUrl).get('/peers');
    expect(page.status).toBe(200);
    expect(page.html).toContain(`<code class="fingerprint" id="own-fingerprint">${ia.fingerprint}</code>`);
    expect(page.html).toContain(`<code class="fingerprint">${ib.fingerprint}</code>`);
  });
});
