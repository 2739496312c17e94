import { checkStore } from '../../node/store/check';
import { addPeer, api, destroyAll, waitFor } from './gossip-harness';
import { articleStatus, postArticle, startTakedownNode } from './takedown-helpers';
import type { TestNode } from '../helpers/node';
import { makeArticle } from '../helpers/node';

const WRONG_KEY = `sha256:${Buffer.alloc(32, 7).toString('base64')}`;

describe('author cancel across a 5-node mesh', () => {
  const nodes: TestNode[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) nodes.push(await startTakedownNode({ name: `n${i}` }));
    // A ring with one chord: every cancel has to be relayed by nodes that are not its target's origin.
    for (const [x, y] of [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0], [1, 3]]) await addPeer(nodes[x], nodes[y]);
  }, 60_000);
  afterAll(() => destroyAll(nodes));

  it('ignores a cancel with the wrong key on every node, honours the right key on every node', async () => {
    const { id, cancelKey } = await postArticle(nodes[0], 'test.a', 'to be cancelled');
    expect(cancelKey).toMatch(/^sha256:/);
    const reply = await postArticle(nodes[2], 'test.a', 'a reply that stays', [id]);
    await waitFor('target everywhere', async () => (await Promise.all(nodes.map((n) => articleStatus(n, id)))).every((s) => s === 200), 20_000);
    await waitFor('reply everywhere', async () => (await Promise.all(nodes.map((n) => articleStatus(n, reply.id)))).every((s) => s === 200), 20_000);

    // Wrong key, sent from another node: the cancel article travels, nothing is removed.
    const wrong = await api<{ id: string; here: string }>(nodes[3], 'POST', `/api/articles/${encodeURIComponent(id)}/cancel`, { key: WRONG_KEY });
    expect(wrong.status).toBe(201);
    expect(wrong.data.here).toBe('ignored');
    await waitFor('wrong cancel everywhere', async () => (await Promise.all(nodes.map((n) => articleStatus(n, wrong.data.id)))).every((s) => s === 200), 20_000);
    for (const n of nodes) expect(await articleStatus(n, id)).toBe(200);

    // The poster's key, sent from a third node: every node removes the target, keeps the reply.
    const right = await api<{ id: string; here: string }>(nodes[4], 'POST', `/api/articles/${encodeURIComponent(id)}/cancel`, { key: cancelKey });
    expect(right.data.here).toBe('removed');
    await waitFor('target cancelled everywhere', async () => (await Promise.all(nodes.map((n) => articleStatus(n, id)))).every((s) => s === 410), 20_000);
    for (const n of nodes) {
      expect(await articleStatus(n, reply.id)).toBe(200);
      const gone = await api<{ error: { code: string; message: string } }>(n, 'GET', `/api/articles/${encodeURIComponent(id)}`);
      expect(gone.data.error).toMatchObject({ code: 'NM_ERR_GONE', message: expect.stringContaining('cancelled by its poster') });
      const removals = await api<{ id: string; by: string }[]>(n, 'GET', '/api/removals');
      expect(removals.data.find((r) => r.id === id)).toMatchObject({ by: 'cancel' });
      // The group index no longer lists it.
      const listing = await api<{ id: string }[]>(n, 'GET', '/api/groups/test.a/articles?after=0&limit=100');
      expect(listing.data.map((r) => r.id)).not.toContain(id);
      expect(listing.data.map((r) => r.id)).toContain(reply.id);
    }
  }, 60_000);

  it('a cancel that arrives before its target keeps the target out; the store checks clean', async () => {
    const { id, cancelKey } = await postArticle(nodes[0], 'test.b', 'cancelled before it arrives');
    // The article as stored, without this node's view of its signer (not an article field).
    const { signedBy: _view, ...target } = (await api<Record<string, unknown>>(nodes[0], 'GET', `/api/articles/${encodeURIComponent(id)}`)).data;
    const lone = await startTakedownNode({ name: 'lone' });
    try {
      const sent = await api<{ here: string }>(lone, 'POST', `/api/articles/${encodeURIComponent(id)}/cancel`, { key: cancelKey });
      expect(sent.data.here).toBe('pending');
      const imported = await api<{ added: number; rejected: number }>(lone, 'POST', '/api/import', { articles: [target] });
      expect(imported.data).toMatchObject({ added: 0, rejected: 1 });
      expect(await articleStatus(lone, id)).toBe(410);
      // A wrong-key pending cancel does not keep an article out.
      const other = makeArticle({ newsgroups: ['test.b'], headers: { 'Cancel-Lock': 'sha256:' + Buffer.alloc(32, 1).toString('base64') } });
      await api(lone, 'POST', `/api/articles/${encodeURIComponent(other.id as string)}/cancel`, { key: WRONG_KEY });
      expect((await api<{ added: number }>(lone, 'POST', '/api/import', { articles: [other] })).data.added).toBe(1);
      const report = await checkStore(lone.components.store);
      expect(report.problems).toEqual([]);
    } finally {
      await lone.destroy();
    }
    for (const n of nodes) expect((await checkStore(n.components.store)).problems).toEqual([]);
  }, 60_000);
});
