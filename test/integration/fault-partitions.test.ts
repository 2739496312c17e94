/**
 * Partitions (issue 11, item 2): six nodes whose links each cross a fault proxy are split into
 * two halves that go on posting; once healed, every node ends with the union, numbered densely
 * and once, with no more duplicate bodies than the in-flight safety net explains. A backlog
 * that built up behind a cut drains, over a slow link, at that link's rate.
 */
import { checkStore } from '../../node/store/check';
import { converged, holdings, missing, peerRows, stats } from '../helpers/convergence';
import { ProxyMesh } from '../helpers/proxy-mesh';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

/** Quick to notice a dead link and to come back (the defaults are minutes). */
const GOSSIP = { requestTimeoutMs: 3_000, helloTimeoutMs: 3_000, backoffBaseMs: 100, backoffCapMs: 1_000, inFlightTtlMs: 2_000, watchdogMs: 500, stallMs: 5_000 };

async function postTo(webUrl: string, group: string, i: number, extra: Record<string, unknown> = {}, bodyBytes = 200): Promise<string> {
  const res = await fetch(`${webUrl}/api/articles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ newsgroups: [group], from: 'split@example', subject: `split ${i}`, body: `${i} ${'y'.repeat(bodyBytes)}\n`, ...extra }),
  });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Posts `count` articles over the nodes in turn, a few at a time. */
async function postMany(webUrls: string[], count: number, group: (i: number) => string, extra: (i: number) => Record<string, unknown> = () => ({}), bodyBytes = 200): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, j) => postTo(webUrls[(i + j) % webUrls.length], group(i + j), i + j, extra(i + j), bodyBytes)))));
  }
  return ids;
}

/** Waits until each node holds all of `ids` (backlogs towards a cut-off side never drain, so only holdings count). */
async function holdAll(nodes: { webUrl: string }[], ids: string[]): Promise<void> {
  await waitFor(`${nodes.length} nodes to hold ${ids.length} articles`, async () => {
    for (const n of nodes) if (missing(await holdings(n.webUrl), ids, 1).length > 0) return false;
    return true;
  }, { timeoutMs: 30_000, everyMs: 100 });
}

/** Duplicate bodies received over all nodes, and in-flight marks their holders let expire. */
async function duplicates(mesh: ProxyMesh): Promise<{ duplicate: number; missed: number; received: number }> {
  let duplicate = 0;
  let missed = 0;
  let received = 0;
  for (const n of mesh.nodes) {
    const s = await stats(n.webUrl);
    duplicate += s.articlesDuplicate;
    received += s.articlesReceived;
    for (const p of await peerRows(n.webUrl)) missed += p.unfulfilled ?? 0;
  }
  return { duplicate, missed, received };
}

describe('a network split in two halves', () => {
  let mesh: ProxyMesh | undefined;
  afterEach(async () => {
    await mesh?.close();
    mesh = undefined;
  });

  it('posts on both sides while split; after healing every node holds the union, once each', async () => {
    mesh = await ProxyMesh.start(['split-0', 'split-1', 'split-2', 'split-3', 'split-4', 'split-5'], { gossip: GOSSIP });
    const m = mesh;
    const left = [0, 1, 2];
    const right = [3, 4, 5];
    // Each half a triangle; three links cross between them.
    for (const [a, b] of [[0, 1], [1, 2], [2, 0], [3, 4], [4, 5], [5, 3], [0, 3], [1, 4], [2, 5]]) await m.peer(a, b);
    const urls = (side: number[]) => side.map((i) => m.nodes[i].webUrl);
    const roots = await postMany(urls([...left, ...right]), 12, () => 'split.both');
    await converged(m.nodes, new Set(roots));
    const before = await duplicates(m);

    m.partition(left, right);
    // Both halves post, to their own groups and to a shared one (replies to threads started before the split).
    const [l, r] = await Promise.all([
      postMany(urls(left), 300, (i) => (i % 3 === 0 ? 'split.both' : 'split.left'), (i) => (i % 3 === 0 ? { references: [roots[i % roots.length]] } : {})),
      postMany(urls(right), 300, (i) => (i % 3 === 0 ? 'split.both' : 'split.right'), (i) => (i % 3 === 0 ? { references: [roots[i % roots.length]] } : {})),
    ]);
    // Each half converges on its own posts; nothing crossed the cut.
    await holdAll(left.map((i) => m.nodes[i]), [...roots, ...l]);
    await holdAll(right.map((i) => m.nodes[i]), [...roots, ...r]);
    for (const i of left) expect((await holdings(m.nodes[i].webUrl)).groups.has('split.right')).toBe(false);
    for (const i of right) expect((await holdings(m.nodes[i].webUrl)).groups.has('split.left')).toBe(false);
    await waitFor('the cross links to be down', async () => (await peerRows(m.nodes[0].webUrl)).find((p) => p.name === 'split-3')?.state === 'down');

    m.healAll();
    const all = await converged(m.nodes, new Set([...roots, ...l, ...r]), { timeoutMs: 60_000 });
    for (const h of all) expect(h.problems).toEqual([]);
    for (const n of m.nodes) {
      const report = await checkStore(n.components.store);
      expect(report.problems).toEqual([]);
    }
    // Each body crossed each link once, but for the in-flight safety net: a copy asked of a
    // second peer only after the first one let its mark expire.
    const after = await duplicates(m);
    const dup = after.duplicate - before.duplicate;
    expect(dup).toBeLessThanOrEqual(after.missed - before.missed);
  });

  it('a backlog built up behind a cut drains at the rate of a slow link', async () => {
    mesh = await ProxyMesh.start(['slow-a', 'slow-b'], { gossip: GOSSIP });
    const m = mesh;
    await m.peer(0, 1);
    const link = m.link(0, 1);
    link.cut();
    // About 1.2 MB of articles wait on a's side.
    const ids = await postMany([m.nodes[0].webUrl], 400, () => 'slow.a', () => ({}), 3_000);
    await waitFor('the backlog on a', async () => (await peerRows(m.nodes[0].webUrl))[0].backlog === ids.length);
    const rate = 256 * 1024;
    link.trickle(rate, 'toTarget');
    link.heal();
    const t0 = Date.now();
    const bytes0 = link.stats.bytesToTarget;
    await converged(m.nodes, new Set(ids), { timeoutMs: 60_000 });
    const secs = (Date.now() - t0) / 1000;
    const achieved = (link.stats.bytesToTarget - bytes0) / secs;
    // The link was kept busy: at least half its rate on average, from the heal to the last article.
    expect({ achieved: Math.round(achieved), atLeast: rate / 2, ok: achieved >= rate / 2 }).toMatchObject({ ok: true });
    expect((await stats(m.nodes[1].webUrl)).articlesDuplicate).toBe(0);
  });
});
