import { checkStore } from '../../node/store/check';
import { Blocks } from '../../node/takedown/blocks';
import type { Article } from '../../protocol/article';
import { PeerClient } from '../helpers/peer-client';
import { getJson, postJson, waitForJob } from '../helpers/mirror';
import { makeArticle, type TestNode } from '../helpers/node';
import { addPeer, api, destroyAll, waitFor } from './gossip-harness';
import { articleStatus, postArticle, startTakedownNode } from './takedown-helpers';

describe('owner takedown', () => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    a = await startTakedownNode({ name: 'alpha' });
    b = await startTakedownNode({ name: 'beta' });
    await addPeer(a, b);
  }, 30_000);
  afterAll(() => destroyAll([a, b]));

  it('removes body and index entry on this node only, lists the removal, and 410s the id', async () => {
    const root = await postArticle(a, 'test.rm', 'a root');
    const bad = await postArticle(a, 'test.rm', 'unwanted', [root.id]);
    const after = await postArticle(a, 'test.rm', 'a later reply', [root.id]);
    await waitFor('all on beta', async () => (await articleStatus(b, after.id)) === 200 && (await articleStatus(b, bad.id)) === 200, 20_000);

    const res = await api<{ id: string; reason: string; by: string }>(b, 'DELETE', `/api/articles/${encodeURIComponent(bad.id)}`, { reason: 'spam' });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: bad.id, reason: 'spam', by: 'owner' });
    expect(await articleStatus(b, bad.id)).toBe(410);
    expect(await articleStatus(a, bad.id)).toBe(200); // local only
    const listing = await api<{ id: string }[]>(b, 'GET', '/api/groups/test.rm/articles?after=0&limit=10');
    expect(listing.data.map((r) => r.id)).toEqual([root.id, after.id]);
    const groups = await api<{ name: string; count: number; low: number }[]>(b, 'GET', '/api/groups');
    expect(groups.data.find((g) => g.name === 'test.rm')).toMatchObject({ count: 2 });
    const removals = await api<{ id: string; reason: string; by: string }[]>(b, 'GET', '/api/removals');
    expect(removals.data[0]).toMatchObject({ id: bad.id, reason: 'spam', by: 'owner' });
    // A second removal: 410 (gone), not a 5xx; an unknown id: 404; a missing reason: 400 naming the field.
    expect((await api(b, 'DELETE', `/api/articles/${encodeURIComponent(bad.id)}`, { reason: 'again' })).status).toBe(410);
    expect((await api(b, 'DELETE', `/api/articles/${encodeURIComponent('<nope@x>')}`, { reason: 'x' })).status).toBe(404);
    const noReason = await api<{ error: { code: string; message: string } }>(b, 'DELETE', `/api/articles/${encodeURIComponent(root.id)}`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.data.error.message).toMatch(/reason/);
    expect((await checkStore(b.components.store)).problems).toEqual([]);
  }, 30_000);

  it('neither gossip nor a mirror job brings a removed article back', async () => {
    const x = await postArticle(a, 'test.back', 'gone for good');
    await waitFor('x on beta', async () => (await articleStatus(b, x.id)) === 200, 20_000);
    expect((await api(b, 'DELETE', `/api/articles/${encodeURIComponent(x.id)}`, { reason: 'no' })).status).toBe(200);

    // Gossip: an offer is not wanted, a pushed body is refused.
    const peer = await PeerClient.connect(b.peerUrl, { name: 'pusher' });
    const offer = await peer.ihave([x.id]);
    expect(offer.body).toEqual({ sendme: [], later: [] });
    // The article as stored, without this node's view of its signer (not an article field).
    const { signedBy: _view, ...body } = (await api<Record<string, unknown>>(a, 'GET', `/api/articles/${encodeURIComponent(x.id)}`)).data;
    const pushed = await peer.takethis([body]);
    expect(pushed.body.results[0]).toMatchObject({ id: x.id, status: 'rejected', reason: expect.stringContaining("removed by this node's owner") });

    // Mirror: the job finishes without fetching it.
    const job = await postJson<{ id: string }>(`${b.webUrl}/api/mirrors`, { peer: a.peerUrl, group: 'test.back' }, 202);
    await waitForJob(b.webUrl, job.body.id, (j) => j.state === 'done');
    expect(await articleStatus(b, x.id)).toBe(410);
    // Import too.
    expect((await postJson<{ added: number }>(`${b.webUrl}/api/import`, { articles: [body] })).body.added).toBe(0);
    expect(await articleStatus(b, x.id)).toBe(410);
    expect((await checkStore(b.components.store)).problems).toEqual([]);

    // The removals list pages newest first with a Link to the next page.
    const first = await fetch(`${b.webUrl}/api/removals?limit=1`);
    expect(((await first.json()) as { id: string }[]).map((r) => r.id)).toEqual([x.id]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toMatch(/^\/api\/removals\?before=[A-Za-z0-9_-]+&limit=1$/);
    const second = (await getJson<{ id: string; reason: string }[]>(`${b.webUrl}${next}`));
    expect(second).toHaveLength(1);
    expect(second[0].reason).toBe('spam');
    expect((await api(b, 'GET', '/api/removals?limit=0')).status).toBe(400);
  }, 30_000);

  it('block rules refuse future articles by group, from and key; listed and removable', async () => {
    const add = (rule: unknown) => api<{ id: string; kind: string; pattern: string; error?: { message: string } }>(b, 'POST', '/api/blocks', rule);
    const g = await add({ kind: 'group', pattern: 'spam.*', reason: 'no spam' });
    const f = await add({ kind: 'from', pattern: '*@evil.example' });
    const keyOfA = (await getJson<{ key: string; fingerprint: string }>(`${a.webUrl}/api/node`)).key;
    const k = await add({ kind: 'key', pattern: keyOfA });
    expect([g.status, f.status, k.status]).toEqual([201, 201, 201]);
    expect(k.data.pattern).toMatch(/^[a-z2-7]{4}-/); // stored as the fingerprint
    expect((await add({ kind: 'group', pattern: 'bad[' })).status).toBe(400);
    expect((await api<unknown[]>(b, 'GET', '/api/blocks')).data).toHaveLength(3);

    const imp = (articles: unknown[]) => postJson<{ added: number; rejected: number; problems: { reason: string }[] }>(`${b.webUrl}/api/import`, { articles });
    const byGroup = (await imp([makeArticle({ newsgroups: ['spam.x'] })])).body;
    expect(byGroup).toMatchObject({ added: 0, rejected: 1 });
    expect(byGroup.problems[0].reason).toBe(`newsgroups: blocked by this node's owner (group rule "spam.*": no spam)`);
    const byFrom = (await imp([makeArticle({ from: 'Bad@EVIL.example' })])).body;
    expect(byFrom.problems[0]?.reason).toBe(`from: blocked by this node's owner (from rule "*@evil.example")`);
    expect((await imp([makeArticle({ newsgroups: ['ok.x'] })])).body).toMatchObject({ added: 1 });
    // Signed by a blocked key: the vet reads the `signer` of signed articles (issue 12 parts 1-2).
    const blocks = new Blocks({ store: b.components.store, clock: b.components.clock });
    await blocks.load();
    const vet = blocks.hook().vet!;
    expect(vet({ ...(makeArticle() as unknown as Article), signer: keyOfA } as Article, { kind: 'peer', peer: 'x' } as never)).toMatch(/^signer: blocked by this node's owner \(key rule [a-z2-7-]+\)$/);
    expect(vet(makeArticle() as unknown as Article, { kind: 'peer', peer: 'x' } as never)).toBeNull();

    // A local post hits the rule too, with a 400 naming the field.
    const local = await api<{ error: { message: string } }>(b, 'POST', '/api/articles', { newsgroups: 'spam.y', from: 'me@x', subject: 's', body: 'b' });
    expect(local.status).toBe(400);
    expect(local.data.error.message).toContain("blocked by this node's owner");

    expect((await api(b, 'DELETE', `/api/blocks/${g.data.id}`)).status).toBe(200);
    expect((await api(b, 'DELETE', `/api/blocks/${g.data.id}`)).status).toBe(404);
    expect((await imp([makeArticle({ newsgroups: ['spam.x'] })])).body).toMatchObject({ added: 1 });
  }, 30_000);
});
