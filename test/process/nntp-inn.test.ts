/**
 * Two-way interop with a real INN 2.7: a newsmesh node and an innd (its own config in a temp
 * dir) peer with each other. INN knows the node by its source address (the node's feed binds
 * to 127.0.0.2) and feeds it through innfeed; the node knows INN as `nntp://...` named by its
 * pathhost. Articles posted on INN (through its nnrpd) reach the node and articles posted on
 * the node (NNTP and web) reach INN: none lost, none twice, none echoed back. Skipped loudly
 * when INN cannot run here; under CI=true that is a failure.
 */
import type { PeerInfo } from '../../protocol/api';
import { freePort } from '../helpers/free-port';
import { innAvailability, startInn, type RunningInn } from '../helpers/inn';
import { lines, nntpConnect, post, waitFor, wire } from '../helpers/nntp';
import { startTestNode, type TestNode } from '../helpers/node';

const avail = innAvailability();
if (!avail.ok) {
  if (process.env.CI === 'true') throw new Error(`INN interop cannot run: ${avail.why}; CI must run it (.ci/run installs inn2)`);
  console.warn(`\n*** SKIPPING the INN interop test: ${avail.why} ***\n`);
}

const N = 15;

(avail.ok ? describe : describe.skip)('interop with INN 2.7', () => {
  let node: TestNode;
  let inn: RunningInn;

  beforeAll(async () => {
    node = await startTestNode({ name: 'mesh-inn' });
    const nntpPort = Number(new URL(node.nntpUrl!).port);
    inn = await startInn({
      port: await freePort(),
      pathhost: 'inn.test',
      groups: ['test.inn'],
      peers: [{ name: 'mesh-inn', hostname: '127.0.0.2' }],
      feeds: [{ site: 'mesh-inn', host: '127.0.0.1', port: nntpPort }],
    });
    const res = await fetch(`${node.webUrl}/api/peers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `nntp://127.0.0.1:${inn.port}`, groups: 'test.*', sourceAddress: '127.0.0.2' }),
    });
    expect(await res.json()).toEqual({ name: 'inn.test', url: `nntp://127.0.0.1:${inn.port}`, state: 'up' });
  }, 60_000);

  afterAll(async () => {
    await node?.destroy();
    await inn?.stop();
  });

  const onNode = (id: string) => fetch(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`).then((r) => r.status === 200);

  async function innReader() {
    const c = await nntpConnect(`nntp://127.0.0.1:${inn.port}`);
    expect((await c.command('MODE READER')).code).toBe(200);
    return c;
  }

  const clients: { quit(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.quit()));
  });

  it('exchanges articles both ways: none lost, none twice, none echoed', async () => {
    const fromInn: string[] = [];
    const r = await innReader();
    clients.push(r);
    for (let i = 0; i < N; i++) {
      const res = await post(r, wire([`From: inn-user${i} <u@inn.example>`, 'Newsgroups: test.inn', `Subject: posted on INN ${i}`, 'Organization: INN side', '', `body ${i}`, '.dot line']));
      expect(res.code).toBe(240);
      fromInn.push(/<[^>]+>/.exec(res.text)![0]);
    }
    const fromNode: string[] = [];
    const m = await nntpConnect(node.nntpUrl!);
    clients.push(m);
    for (let i = 0; i < N; i++) {
      const res = await post(m, wire(['From: mesh <m@mesh.example>', 'Newsgroups: test.inn', `Subject: posted on newsmesh ${i}`, '', `mesh body ${i}`]));
      expect(res.code).toBe(240);
      fromNode.push(/<[^>]+>/.exec(res.text)![0]);
    }
    fromNode.push((await node.components.service.post({ newsgroups: ['test.inn'], from: 'Wëb <w@mesh.example>', subject: 'from the wëb', body: 'web\n' })).id);

    const explain = async () => `INN logs:\n${inn.logs()}\npeers: ${JSON.stringify(await (await fetch(`${node.webUrl}/api/peers`)).json())}`;
    try {
      await waitFor('INN articles on newsmesh', async () => (await Promise.all(fromInn.map(onNode))).every(Boolean), 60_000);
      await waitFor('newsmesh articles on INN', async () => {
        for (const id of fromNode) if ((await r.command(`STAT ${id}`)).code !== 223) return false;
        return true;
      }, 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await explain()}`);
    }

    // Both hold every article exactly once.
    const all = [...fromInn, ...fromNode].sort();
    const g = await r.command('GROUP test.inn');
    expect(g.text.split(' ')[0]).toBe(String(all.length));
    expect(lines(await r.command('XHDR Message-ID 1-')).map((l) => l.split(' ')[1]).sort()).toEqual(all);
    const listing = (await (await fetch(`${node.webUrl}/api/groups/test.inn/articles?limit=1000`)).json()) as { id: string }[];
    expect(listing.map((e) => e.id).sort()).toEqual(all);
    const stats = (await (await fetch(`${node.webUrl}/api/stats`)).json()) as { articlesDuplicate: number; articlesRejected: number };
    expect(stats).toMatchObject({ articlesDuplicate: 0, articlesRejected: 0 });

    // INN's article on newsmesh: INN's bytes, newsmesh first in Path, INN's Xref replaced.
    const art = (await m.command(`ARTICLE ${fromInn[0]}`)).block!.toString();
    expect(art).toMatch(/^Path: mesh-inn!inn\.test!\.POSTED\.[^!]+!not-for-mail\r\n/);
    expect(art).toMatch(/^Injection-Info: .*\r\n\t/m);
    expect(art).toMatch(/^Xref: mesh-inn test\.inn:\d+\r$/m);
    expect(art).not.toMatch(/^Xref: inn\.test/m);
    expect(art.endsWith('\r\n\r\nbody 0\r\n.dot line\r\n')).toBe(true);
    // newsmesh's article on INN: INN's name in front of the node's.
    const back = (await r.command(`HEAD ${fromNode[0]}`)).block!.toString();
    expect(back).toMatch(/^Path: inn\.test!(\.[^!]+!)?mesh-inn!\.POSTED\.127\.0\.0\.1!not-for-mail\r$/m);

    // The link shows health and counters like a gossip link.
    await waitFor('the queue to drain', async () => {
      const [p] = (await (await fetch(`${node.webUrl}/api/peers`)).json()) as PeerInfo[];
      return p.backlog === 0 && p;
    });
    const [peer] = (await (await fetch(`${node.webUrl}/api/peers`)).json()) as PeerInfo[];
    expect(peer).toMatchObject({ name: 'inn.test', state: 'up', sent: fromNode.length, accepted: fromNode.length, rejected: 0, bodiesReceived: N });
  }, 120_000);
});
