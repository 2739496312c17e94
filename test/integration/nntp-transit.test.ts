/**
 * Transit over NNTP between two newsmesh nodes that added each other as nntp:// peers: posts
 * flow both ways through the persistent queues (pipelined CHECK/TAKETHIS), exact bytes are
 * kept apart from Path and Xref, nothing comes back or arrives twice, a group filter holds,
 * the backlog survives the peer being away; and the transit commands as a peer's connection
 * sees them (238/431/438, 239/439, IHAVE 335/235/435/437).
 */
import { systemClock } from '../../node/clock';
import { silentLogger } from '../../node/logger';
import { DEFAULT_NNTP_SERVER_INIT, NntpServer } from '../../node/nntp/server';
import type { CommandSpec } from '../../node/nntp/session';
import type { PeerInfo } from '../../protocol/api';
import { freePort } from '../helpers/free-port';
import { startTestNode, type TestNode } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { lines, nntpConnect, post, waitFor, wire } from '../helpers/nntp';

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function addPeer(node: TestNode, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${node.webUrl}/api/peers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const has = (node: TestNode, id: string) => fetch(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`).then((r) => r.status === 200);

function article(id: string, groups = 'test.transit', path = 'elsewhere!not-for-mail'): Buffer {
  return wire([`Path: ${path}`, 'From: t@example.org', `Newsgroups: ${groups}`, 'Subject: transit', `Message-ID: ${id}`, 'Date: Sun, 29 Nov 2026 02:21:07 -0000 (UTC)', 'Xref: elsewhere test.transit:99', 'X-Keep:   spacing  kept ', '', 'body']);
}

describe('NNTP transit between two newsmesh nodes', () => {
  let a: TestNode;
  let b: TestNode;
  let bPort: number;
  const bDir = tempDir();

  beforeAll(async () => {
    bPort = await freePort();
    a = await startTestNode({ name: 'mesh-a' });
    b = await startTestNode({ name: 'mesh-b', data: bDir.dir, nntp: `127.0.0.1:${bPort}` });
    const ab = await addPeer(a, { url: b.nntpUrl, groups: 'test.*' });
    expect(ab).toEqual({ status: 201, json: { name: 'mesh-b', url: b.nntpUrl, state: 'up' } });
    const ba = await addPeer(b, { url: a.nntpUrl, name: 'mesh-a' });
    expect(ba.status).toBe(201);
  });

  afterAll(async () => {
    await a.destroy();
    await b.close().catch(() => undefined);
    bDir.cleanup();
  });

  it('lists NNTP peers with the others and refuses bad additions', async () => {
    const peers = await getJson<PeerInfo[]>(`${a.webUrl}/api/peers`);
    expect(peers).toEqual([expect.objectContaining({ name: 'mesh-b', url: b.nntpUrl, state: 'up', groups: 'test.*' })]);
    expect((await addPeer(a, { url: 'nntp://127.0.0.1:1/x' })).status).toBe(400);
    expect((await addPeer(a, { url: `nntp://127.0.0.1:${await freePort()}` })).json).toMatchObject({ error: { code: 'NM_ERR_PEER_UNREACHABLE' } });
    expect((await addPeer(a, { url: b.nntpUrl, name: 'mesh-a' })).json).toMatchObject({ error: { code: 'NM_ERR_PEER_REFUSED' } });
    expect((await addPeer(a, { url: 'http://127.0.0.1:1', name: 'x' })).json).toMatchObject({ error: { code: 'NM_ERR_VALIDATION', message: expect.stringMatching(/^name:/) } });
  });

  it('feeds posts both ways, keeping the exact bytes apart from Path and Xref, none back, none twice', async () => {
    const fromWeb = (await a.components.service.post({ newsgroups: ['test.transit'], from: 'a@example.org', subject: 'from a', body: 'hello b\n' })).id;
    const cb = await nntpConnect(b.nntpUrl!);
    const r = await post(cb, wire(['From: b@example.org', 'Newsgroups: test.transit', 'Subject: from b over nntp', 'X_Odd.Header:  as   written', '', '.dotted', 'x']));
    expect(r.code).toBe(240);
    const fromNntp = /<[^>]+>/.exec(r.text)![0];
    await waitFor('the web post on b', () => has(b, fromWeb));
    await waitFor('the nntp post on a', () => has(a, fromNntp));
    const ca = await nntpConnect(a.nntpUrl!);
    const onA = (await ca.command(`ARTICLE ${fromNntp}`)).block!.toString();
    const onB = (await cb.command(`ARTICLE ${fromNntp}`)).block!.toString();
    expect(onA).toMatch(/^Path: mesh-a!mesh-b!\.POSTED\.127\.0\.0\.1!not-for-mail\r\n/);
    const strip = (t: string) => t.replace(/^Path: .*\r\n/m, '').replace(/^Xref: .*\r\n/m, '');
    expect(strip(onA)).toBe(strip(onB));
    expect(onA).toMatch(/^Xref: mesh-a test\.transit:\d+\r$/m);
    expect(onA).toMatch(/^X_Odd\.Header:  as   written\r$/m);
    // Each side holds each article once: nothing was fed back.
    for (const n of [a, b]) expect((await getJson<{ n: number }[]>(`${n.webUrl}/api/groups/test.transit/articles`)).length).toBe(2);
    await waitFor('the queues to drain', async () => (await getJson<PeerInfo[]>(`${a.webUrl}/api/peers`))[0].backlog === 0);
    const statsB = await getJson<{ articlesDuplicate: number }>(`${b.webUrl}/api/stats`);
    expect(statsB.articlesDuplicate).toBe(0);
    const [peerOfA] = await getJson<PeerInfo[]>(`${a.webUrl}/api/peers`);
    expect(peerOfA).toMatchObject({ sent: 1, accepted: 1, bodiesReceived: 1 });
    await Promise.all([ca.quit(), cb.quit()]);
  });

  it('delivers a burst in order, only the groups of the filter, and stops CHECKing a peer that wants everything', async () => {
    const before = (await getJson<PeerInfo[]>(`${b.webUrl}/api/peers`))[0];
    const ids: string[] = [];
    // More than NoCheckMode's window of offers, all wanted: the feed switches to TAKETHIS alone.
    for (let i = 0; i < 2600; i += 100) {
      const posts = Array.from({ length: 100 }, (_, j) => a.components.service.post({ newsgroups: ['test.burst'], from: 'a@example.org', subject: `burst ${i + j}`, body: `${i + j}\n` }));
      ids.push(...(await Promise.all(posts)).map((p) => p.id));
    }
    const outside = (await a.components.service.post({ newsgroups: ['other.group'], from: 'a@example.org', subject: 'not fed', body: 'x\n' })).id;
    const listing = async () => {
      const out: { id: string }[] = [];
      for (let after = 0; ; ) {
        const page = await getJson<{ n: number; id: string }[]>(`${b.webUrl}/api/groups/test.burst/articles?after=${after}&limit=1000`);
        if (page.length === 0) return out;
        out.push(...page);
        after = page[page.length - 1].n;
      }
    };
    await waitFor('the burst on b', async () => (await listing()).length === ids.length, 60_000);
    expect((await listing()).map((e) => e.id)).toEqual(ids);
    expect(await has(b, outside)).toBe(false);
    const after = (await getJson<PeerInfo[]>(`${b.webUrl}/api/peers`))[0];
    const checks = after.offersReceived! - before.offersReceived!;
    const bodies = after.bodiesReceived! - before.bodiesReceived!;
    expect(bodies).toBe(ids.length);
    expect(checks).toBeLessThan(bodies);
  }, 90_000);

  it('keeps the backlog while the peer is away and delivers it when it is back', async () => {
    await b.close();
    const id = (await a.components.service.post({ newsgroups: ['test.transit'], from: 'a@example.org', subject: 'while away', body: 'queued\n' })).id;
    await waitFor('the link to notice', async () => {
      const [p] = await getJson<PeerInfo[]>(`${a.webUrl}/api/peers`);
      return p.backlog === 1 && p.state === 'down' && p.lastError !== null;
    });
    b = await startTestNode({ name: 'mesh-b', data: bDir.dir, nntp: `127.0.0.1:${bPort}` });
    await waitFor('the backlog on b', () => has(b, id), 30_000);
    await waitFor('the link up again', async () => (await getJson<PeerInfo[]>(`${a.webUrl}/api/peers`))[0].state === 'up');
  });
});

describe('feeding a server without streaming', () => {
  it('falls back to IHAVE, one article at a time, and counts the answers', async () => {
    // An old server: no MODE STREAM, IHAVE only; it refuses the article whose subject says so.
    const got: string[] = [];
    const table = new Map<string, CommandSpec>([
      ['MODE', { access: 'any', run: () => '500 what is streaming\r\n' }],
      ['QUIT', { access: 'any', run: () => ({ close: '205 bye\r\n' }) }],
      [
        'IHAVE',
        {
          access: 'any',
          run: () => ({
            first: '335 send it\r\n',
            onBlock: (r) => {
              const text = 'block' in r ? r.block.toString() : '';
              if (/^Subject: refuse me/m.test(text)) return '437 no thanks\r\n';
              got.push(/^Message-ID: (.*)\r$/m.exec(text)![1]);
              return '235 thanks\r\n';
            },
          }),
        },
      ],
    ]);
    const old = new NntpServer({ clock: systemClock, logger: silentLogger() }, DEFAULT_NNTP_SERVER_INIT, { table: () => table, mayRead: () => true, open: async () => '200 old.server ready\r\n' });
    const url = await old.listen({ host: '127.0.0.1', port: 0 });
    const node = await startTestNode({ name: 'mesh-f' });
    try {
      expect((await addPeer(node, { url })).json).toMatchObject({ name: 'old.server', state: 'up' });
      const ids: string[] = [];
      for (const subject of ['one', 'refuse me', 'three']) ids.push((await node.components.service.post({ newsgroups: ['test.old'], from: 'f@example.org', subject, body: 'b\n' })).id);
      await waitFor('the feed to drain', async () => (await getJson<PeerInfo[]>(`${node.webUrl}/api/peers`))[0].backlog === 0);
      expect(got).toEqual([ids[0], ids[2]]);
      expect((await getJson<PeerInfo[]>(`${node.webUrl}/api/peers`))[0]).toMatchObject({ offered: 3, sent: 3, accepted: 2, rejected: 1 });
    } finally {
      await node.destroy();
      await old.close();
    }
  });
});

describe('transit commands on a peer connection', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ name: 'mesh-t' });
    // Any NNTP server at 127.0.0.1 makes connections from 127.0.0.1 a peer's.
    const other = await startTestNode({ name: 'peer-t' });
    await addPeer(node, { url: other.nntpUrl, name: 'peer-t' });
    await other.destroy();
  });
  afterAll(() => node.destroy());

  it('streams: CHECK and TAKETHIS with the RFC 4644 codes', async () => {
    const c = await nntpConnect(node.nntpUrl!);
    expect(lines(await c.command('CAPABILITIES'))).toEqual(expect.arrayContaining(['IHAVE', 'STREAMING']));
    expect((await c.command('MODE STREAM')).code).toBe(203);
    const id = '<11efsc2$a31$1@host.example>';
    expect(await c.command(`CHECK ${id}`)).toEqual({ code: 238, text: id });
    // A CHECK pipelined behind the TAKETHIS of the same id: it is being stored, so "later".
    const [took, later] = await Promise.all([c.takethis(id, article(id)), c.command(`CHECK ${id}`)]);
    expect([took.code, later.code]).toEqual([239, 431]);
    expect((await c.command(`CHECK ${id}`)).code).toBe(438);
    expect((await c.takethis(id, article(id))).text).toMatch(/duplicate/);
    const bad = '<bad.1@host.example>';
    expect(await c.takethis(bad, wire(['From: x', '', 'no newsgroups']))).toMatchObject({ code: 439, text: expect.stringMatching(/missing Message-ID|missing Newsgroups/) });
    expect(await c.takethis('<other@x>', article('<mismatch@x>'))).toMatchObject({ code: 439, text: expect.stringMatching(/is not the <other@x> offered/) });
    expect(await c.takethis('<loop@x>', article('<loop@x>', 'test.transit', 'mesh-t!elsewhere'))).toMatchObject({ code: 439, text: expect.stringMatching(/loop/) });
    const stored = (await c.command(`ARTICLE ${id}`)).block!.toString();
    expect(stored).toMatch(/^Path: mesh-t!elsewhere!not-for-mail\r\n/);
    expect(stored).toMatch(/^Xref: mesh-t test\.transit:1\r$/m);
    expect(stored).not.toMatch(/test\.transit:99/);
    expect(stored).toMatch(/^X-Keep:   spacing  kept \r$/m);
    // An 8-bit body that is not UTF-8 is kept whole and served byte for byte.
    const latin = Buffer.concat([article('<latin1@host.example>').subarray(0, -6), Buffer.from('caf\xe9\r\n', 'latin1')]);
    expect((await c.takethis('<latin1@host.example>', latin)).code).toBe(239);
    const back = (await c.command('ARTICLE <latin1@host.example>')).block!;
    expect(back.subarray(back.length - 6).equals(Buffer.from('caf\xe9\r\n', 'latin1'))).toBe(true);
    const json = await getJson<{ path: string[]; date: string }>(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`);
    expect(json).toMatchObject({ path: ['mesh-t', 'elsewhere'], date: '2026-11-29T02:21:07.000Z' });
    await c.quit();
  });

  it('takes IHAVE one article at a time with 335/235/435/437', async () => {
    const c = await nntpConnect(node.nntpUrl!);
    const id = '<ihave.1@host.example>';
    expect((await c.command(`IHAVE ${id}`)).code).toBe(335);
    expect((await c.sendBlock(article(id), 'IHAVE')).code).toBe(235);
    expect((await c.command(`IHAVE ${id}`)).code).toBe(435);
    expect((await c.command('IHAVE <ihave.2@host.example>')).code).toBe(335);
    expect(await c.sendBlock(article('<ihave.3@host.example>'), 'IHAVE')).toMatchObject({ code: 437, text: expect.stringMatching(/not the <ihave\.2@host\.example> offered/) });
    expect((await c.command('DATE')).code).toBe(111);
    await c.quit();
  });
});
