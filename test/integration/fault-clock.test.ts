/**
 * Clock trouble (issue 11, item 4): nodes whose clocks are hours off, and a node whose clock
 * steps back or forward while it runs. Nothing is lost or refused for it, what a node stamps
 * does not go back in time, and nothing waits for the wall clock to catch up: back-off after
 * a cut, the in-flight window and the re-offer of a `later` id, a mirror job's give-up clock.
 * The clocks are real time with an offset (SkewedClock): timers follow elapsed time, as Node's
 * do, and only the wall clock jumps.
 */
import { gossipPart } from '../../node/gossip/gossip-part';
import { mirrorPart } from '../../node/mirror/mirror-part';
import { converged, holdings, peerRows, stats } from '../helpers/convergence';
import { FaultProxy } from '../helpers/fault-proxy';
import { makeArticle, startTestNode, type TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { ProxyMesh } from '../helpers/proxy-mesh';
import { SkewedClock } from '../helpers/skewed-clock';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

const HOUR = 3_600_000;
const GOSSIP = { requestTimeoutMs: 3_000, helloTimeoutMs: 3_000, backoffBaseMs: 100, backoffCapMs: 1_000, inFlightTtlMs: 2_000, watchdogMs: 500, stallMs: 5_000 };

async function post(webUrl: string, i: number, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${webUrl}/api/articles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ newsgroups: ['clock.a'], from: 'clock@example', subject: `clock ${i}`, body: `tick ${i}\n`, ...extra }),
  });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function article(webUrl: string, id: string): Promise<{ date: string }> {
  return (await (await fetch(`${webUrl}/api/articles/${encodeURIComponent(id)}`)).json()) as { date: string };
}

describe('clock trouble', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('nodes whose clocks are hours apart peer, exchange everything and refuse nothing', async () => {
    const offsets = [0, 5 * HOUR, -5 * HOUR];
    const mesh = await ProxyMesh.start(['clock-true', 'clock-ahead', 'clock-behind'], { gossip: GOSSIP, clock: (i) => new SkewedClock(offsets[i]) });
    cleanup.push(() => mesh.close());
    for (const [a, b] of [[0, 1], [1, 2], [2, 0]]) await mesh.peer(a, b);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const parent = i >= 3 && i % 2 === 0 ? ids[i - 3] : undefined;
      ids.push(await post(mesh.nodes[i % 3].webUrl, i, parent ? { references: [parent] } : {}));
    }
    const all = await converged(mesh.nodes, new Set(ids));
    for (const h of all) expect(h.problems).toEqual([]);
    for (const n of mesh.nodes) expect((await stats(n.webUrl)).articlesRejected).toBe(0);
    // Each article keeps the date its author's clock gave it, on every node.
    const ahead = await article(mesh.nodes[2].webUrl, ids[1]);
    expect(Date.parse(ahead.date) - Date.now()).toBeGreaterThan(4 * HOUR);
  });

  it('a clock stepped back hours does not hold a backed-off link for hours, nor stamp posts earlier than the last', async () => {
    const clock = new SkewedClock();
    const mesh = await ProxyMesh.start(['jump-a', 'jump-b'], { gossip: GOSSIP, clock: (i) => (i === 0 ? clock : undefined) });
    cleanup.push(() => mesh.close());
    await mesh.peer(0, 1);
    const [a, b] = mesh.nodes;
    const first = await post(a.webUrl, 0);
    await converged(mesh.nodes, new Set([first]));

    mesh.link(0, 1).cut();
    const during = [await post(a.webUrl, 1), await post(a.webUrl, 2)];
    await waitFor('a to back off from b', async () => (await peerRows(a.webUrl))[0].state === 'down');
    clock.jump(-3 * HOUR);
    const after = await post(a.webUrl, 3, { references: [first] });
    mesh.link(0, 1).heal();
    // The back-off is at most 1 s of elapsed time, whatever the wall clock says.
    await converged(mesh.nodes, new Set([first, ...during, after]), { timeoutMs: 15_000 });

    // What a stamps goes forward: the post after the step is not dated before the ones before it.
    const dates = await Promise.all([first, ...during, after].map(async (id) => Date.parse((await article(a.webUrl, id)).date)));
    for (let i = 1; i < dates.length; i++) expect(dates[i]).toBeGreaterThanOrEqual(dates[i - 1]);
    const stored = await Promise.all([first, ...during, after].map((id) => a.components.store.getStored(id)));
    const at = stored.map((s) => s!.at);
    for (let i = 1; i < at.length; i++) expect(at[i]).toBeGreaterThanOrEqual(at[i - 1]);
    expect((await holdings(b.webUrl)).problems).toEqual([]);
  });

  it('a clock stepped back hours does not hold an in-flight mark, or a `later` re-offer, for hours', async () => {
    const victimClock = new SkewedClock();
    const senderClock = new SkewedClock();
    const mesh = await ProxyMesh.start(['mark-victim', 'mark-sender'], { gossip: GOSSIP, clock: (i) => (i === 0 ? victimClock : senderClock) });
    cleanup.push(() => mesh.close());
    const [victim, sender] = mesh.nodes;
    await mesh.peer(1, 0);
    // A peer that asks for an id and never sends it: its mark lasts the 2 s window.
    const holder = await PeerClient.connect(victim.peerUrl, { name: 'mark-holder' });
    const x = makeArticle({ id: '<held@elsewhere>', newsgroups: ['clock.a'] });
    expect((await holder.ihave([x.id as string])).body).toEqual({ sendme: [x.id], later: [] });
    victimClock.jump(-3 * HOUR);
    senderClock.jump(-3 * HOUR);
    // The sender gets x from a feeder and offers it: `later` while the holder's window runs.
    const feeder = await PeerClient.connect(sender.peerUrl, { name: 'mark-feeder' });
    expect((await feeder.takethis([x])).body.results[0].status).toBe('accepted');
    await waitFor('x on the victim', async () => (await fetch(`${victim.webUrl}/api/articles/${encodeURIComponent(x.id as string)}`)).status === 200, { timeoutMs: 20_000 });
  });

  it('a clock stepped forward an hour does not make a retrying mirror job give up', async () => {
    const clock = new SkewedClock();
    const parts = [gossipPart(GOSSIP), mirrorPart];
    const source: TestNode = await startTestNode({ name: 'mirror-source' }, { parts });
    cleanup.push(() => source.destroy());
    const articles = Array.from({ length: 300 }, (_, i) => makeArticle({ newsgroups: ['clock.m'] }, i));
    const imported = await fetch(`${source.webUrl}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ articles }) });
    expect(imported.status).toBe(200);
    const proxy = await FaultProxy.start(source.peerUrl);
    cleanup.push(() => proxy.close());
    const node: TestNode = await startTestNode({ name: 'mirror-jumper' }, { clock, parts });
    cleanup.push(() => node.destroy());

    // The job checks the group at the source, then the source goes away while the job reads
    // its index (slowly, over a trickle, so the cut comes mid-way).
    proxy.trickle(10_000, 'toClient');
    const started = await fetch(`${node.webUrl}/api/mirrors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ peer: proxy.url, group: 'clock.m' }) });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    proxy.cut();
    const job = async () => ((await (await fetch(`${node.webUrl}/api/mirrors`)).json()) as { id: string; state: string; error?: string; done: number }[]).find((j) => j.id === id)!;
    await waitFor('the job to retry', async () => (await job()).error !== undefined);
    expect((await job()).state).toBe('running');
    clock.jump(HOUR);
    // A retry after the step, still failing: it has been failing for seconds, not an hour.
    const refused = proxy.stats.refused;
    await waitFor('a retry after the step', () => proxy.stats.refused > refused, { timeoutMs: 20_000 });
    proxy.clear();
    const end = await waitFor('the job to finish', async () => {
      const j = await job();
      return j.state === 'running' ? false : j;
    }, { timeoutMs: 30_000 });
    expect(end).toMatchObject({ state: 'done', done: 300 });
  });
});
