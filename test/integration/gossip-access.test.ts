import { makeArticle } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import type { TestNode } from '../helpers/node';
import { addPeer, api, destroyAll, has, idsOf, peers, post, startGossipNode, waitFor } from './gossip-harness';

describe('group filters, accept modes and rate limits', () => {
  const nodes: TestNode[] = [];
  afterAll(() => destroyAll(nodes));

  it('a group filter holds in both directions', async () => {
    const a = await startGossipNode({ name: 'fa' });
    const b = await startGossipNode({ name: 'fb' });
    nodes.push(a, b);
    await addPeer(a, b, 'comp.*,!comp.test.*');
    expect((await peers(a))[0].groups).toBe('comp.*,!comp.test.*');
    const [inA, outA, testA] = [await post(a, 'comp.lang'), await post(a, 'misc.chat'), await post(a, 'comp.test.x')];
    const [inB, outB, testB] = [await post(b, 'comp.os'), await post(b, 'misc.other'), await post(b, 'comp.test.y')];
    await waitFor('comp posts crossed', async () => (await has(b, inA)) && (await has(a, inB)));
    // Give anything that would wrongly cross a chance to do so: both queues are empty.
    await waitFor('queues empty', async () => (await peers(a))[0].backlog === 0 && (await peers(b))[0].backlog === 0);
    for (const id of [outA, testA]) expect(await has(b, id)).toBe(false);
    for (const id of [outB, testB]) expect(await has(a, id)).toBe(false);
    // Nothing outside the filter was even offered.
    expect(a.components.metrics.ihaveSent + b.components.metrics.ihaveSent).toBe(2);
  });

  it('refuses pushed articles outside the filter of the link', async () => {
    const a = await startGossipNode({ name: 'ga' });
    nodes.push(a);
    const narrow = await PeerClient.connect(a.peerUrl, { name: 'narrow', token: 'narrow-token-0123456789', groups: 'comp.*' });
    const token = narrow.tokenOut!;
    const ok = makeArticle({ newsgroups: ['comp.a'] }, 1);
    const no = makeArticle({ newsgroups: ['misc.a'] }, 2);
    const res = await fetch(`${a.peerUrl}/v1/takethis`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ articles: [ok, no] }),
    });
    const { results } = (await res.json()) as { results: { status: string; reason?: string }[] };
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected']);
    expect(results[1].reason).toMatch(/group filter/);
  });

  it('approve mode keeps a stranger out until the owner accepts it', async () => {
    const owner = await startGossipNode({ name: 'owner', acceptPeers: 'approve' });
    const stranger = await startGossipNode({ name: 'stranger' });
    nodes.push(owner, stranger);
    expect(await addPeer(stranger, owner)).toMatchObject({ name: 'owner', state: 'pending' });
    expect((await peers(owner)).map((p) => [p.name, p.state])).toEqual([['stranger', 'pending']]);
    expect((await peers(stranger)).map((p) => [p.name, p.state])).toEqual([['owner', 'pending']]);
    const early = await post(stranger, 'test.a', 'let me in');
    const fromOwner = await post(owner, 'test.a', 'not for strangers yet');
    // The stranger's token does not open the protocol routes while pending.
    const rec = stranger.components.store.subs.peers;
    const tokenOut = ((await rec.get('owner')) as { tokenOut: string }).tokenOut;
    const res = await fetch(`${owner.peerUrl}/v1/ihave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOut}` },
      body: JSON.stringify({ ids: [early] }),
    });
    expect(res.status).toBe(403);
    expect(await has(owner, early)).toBe(false);
    expect(await has(stranger, fromOwner)).toBe(false);

    expect((await api(owner, 'POST', '/api/peers/stranger/approve')).status).toBe(204);
    await waitFor('both sides up', async () => (await peers(owner))[0].state === 'up' && (await peers(stranger))[0].state === 'up', 5_000);
    const later = await post(stranger, 'test.a', 'now in');
    const back = await post(owner, 'test.a', 'welcome');
    await waitFor('posts flow both ways', async () => (await has(owner, later)) && (await has(stranger, back)), 5_000);
  });

  it('closed mode refuses strangers; a malformed wildmat is a 400', async () => {
    const closed = await startGossipNode({ name: 'closed', acceptPeers: 'closed' });
    const other = await startGossipNode({ name: 'other' });
    nodes.push(closed, other);
    const r = await api<{ error: { code: string; message: string } }>(other, 'POST', '/api/peers', { url: closed.peerUrl });
    expect(r.status).toBe(422);
    expect(r.data.error.message).toMatch(/does not accept new peers/);
    expect(await peers(closed)).toEqual([]);
    // The owner of a closed node may still peer out.
    expect(await addPeer(closed, other)).toMatchObject({ name: 'other', state: 'up' });
    const bad = await api<{ error: { code: string } }>(other, 'POST', '/api/peers', { url: closed.peerUrl, groups: 'comp.[x' });
    expect(bad.status).toBe(400);
    expect(bad.data.error.code).toBe('NM_ERR_VALIDATION');
  });

  it('a peer that sends too much gets 429 and is slowed, not dropped', async () => {
    const fast = await startGossipNode({ name: 'fast' });
    const slow = await startGossipNode({ name: 'slow' }, { articlesPerSec: 100, requestsPerSec: 1000, burstSec: 1 });
    nodes.push(fast, slow);
    await addPeer(fast, slow);
    // The first wave may pass in one batch on the burst allowance and leave the bucket in debt...
    const first = await Promise.all(Array.from({ length: 250 }, (_, i) => post(fast, 'test.a', `r ${i}`)));
    await waitFor('first wave delivered', async () => (await idsOf(slow)).size === first.length, 5_000);
    // ...so the second wave is answered 429 and waits its turn.
    const second = await Promise.all(Array.from({ length: 250 }, (_, i) => post(fast, 'test.a', `s ${i}`)));
    await waitFor('rate limited', async () => ((await peers(fast))[0].lastError ?? '').includes('rate limited'), 5_000);
    expect((await peers(fast))[0].state).toBe('up');
    await waitFor('all delivered despite the limit', async () => (await idsOf(slow)).size === first.length + second.length, 10_000);
  });
});
