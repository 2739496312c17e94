/**
 * The local JSON API routes of the contract, over real HTTP: exact field names, paging by
 * index (`after`, `limit`), url-encoded ids, stats, and what a local post becomes.
 */
import { startTestNode, type TestNode } from '../helpers/node';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode({ name: 'apinode' });
});
afterAll(() => node.destroy());

const get = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${node.webUrl}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

async function post(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${node.webUrl}/api/articles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  const data = (await res.json()) as { id: string; cancelKey: string };
  // The poster's Cancel-Key (issue 12) comes back with the id.
  expect(Object.keys(data)).toEqual(['id', 'cancelKey']);
  expect(data.cancelKey).toMatch(/^sha256:[A-Za-z0-9+/]{43}=$/);
  return data.id;
}

describe('local API', () => {
  const ids: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 25; i++) ids.push(await post({ newsgroups: ['api.paging'], from: `u${i}@example`, subject: `s${i}`, body: `b${i}` }));
  });

  it('answers /healthz on both listeners', async () => {
    expect(await get('/healthz')).toEqual({ ok: true, name: 'apinode' });
    expect(await (await fetch(`${node.peerUrl}/healthz`)).json()).toEqual({ ok: true, name: 'apinode' });
  });

  it('stores a local post with a fresh id, the date, and the path of this node', async () => {
    const before = Date.now();
    const id = await post({ newsgroups: 'api.one, api.two', from: 'Ann <ann@example>', subject: 'Hi there', body: 'Hello\r\nworld\n', headers: { Organization: 'Example' } });
    expect(id).toMatch(/^<[^@]+@apinode>$/);
    const a = await get<Record<string, unknown>>(`/api/articles/${encodeURIComponent(id)}`);
    expect(a).toEqual({
      id,
      newsgroups: ['api.one', 'api.two'],
      from: 'Ann <ann@example>',
      subject: 'Hi there',
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      references: [],
      path: ['apinode'],
      headers: { Organization: 'Example', 'Cancel-Lock': expect.stringMatching(/^sha256:[A-Za-z0-9+\/]{43}=$/) },
      body: 'Hello\r\nworld\n',
      // Signed with the node key (docs/protocol.md, "Article signatures").
      signature: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
      signer: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      signedBy: { fingerprint: expect.any(String), name: 'apinode', peer: false, self: true },
    });
    expect(Date.parse(a.date as string)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('lists groups with count, low, high and lastPostAt', async () => {
    const groups = await get<{ name: string }[]>('/api/groups');
    const paging = groups.find((g) => g.name === 'api.paging');
    expect(paging).toEqual({ name: 'api.paging', count: 25, low: 1, high: 25, lastPostAt: expect.any(String) });
    expect(Object.keys(paging!)).toEqual(['name', 'count', 'low', 'high', 'lastPostAt']);
  });

  it('pages a group by index with after and limit, ascending by n', async () => {
    type Row = { n: number; id: string; subject: string; from: string; date: string; references: string[] };
    const first = await get<Row[]>('/api/groups/api.paging/articles?limit=10');
    expect(first.map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Object.keys(first[0])).toEqual(['n', 'id', 'subject', 'from', 'date', 'references']);
    expect(first[0]).toMatchObject({ id: ids[0], subject: 's0', from: 'u0@example', references: [] });
    const next = await get<Row[]>('/api/groups/api.paging/articles?after=10&limit=10');
    expect(next.map((r) => r.n)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    const last = await get<Row[]>('/api/groups/api.paging/articles?after=20');
    expect(last.map((r) => r.id)).toEqual(ids.slice(20));
    expect(await get<Row[]>('/api/groups/api.paging/articles?after=25')).toEqual([]);
    // Default page size is 100: all 25 at once.
    expect((await get<Row[]>('/api/groups/api.paging/articles')).length).toBe(25);
  });

  it('threads a reply under its references', async () => {
    const root = ids[0];
    const reply = await post({ newsgroups: ['api.paging'], from: 'r@example', subject: 'Re: s0', body: 'reply', references: [root] });
    const rows = await get<{ id: string; references: string[] }[]>('/api/groups/api.paging/articles?after=25');
    expect(rows).toEqual([expect.objectContaining({ id: reply, references: [root] })]);
    const thread = await node.components.service.thread(root);
    expect(thread.articles.map((s) => s.article.id)).toEqual([root, reply]);
  });

  it('counts in /api/stats with the contract names', async () => {
    const stats = await get<Record<string, number>>('/api/stats');
    for (const k of ['articles', 'groups', 'ihaveReceived', 'sendmeSent', 'articlesReceived', 'articlesAccepted', 'articlesDuplicate', 'articlesRejected', 'ihaveSent', 'articlesSent']) {
      expect(typeof stats[k]).toBe('number');
    }
    expect(stats.articles).toBe(27);
    expect(stats.groups).toBe(3);
    expect(stats.articlesAccepted).toBe(27);
  });

  it('serves a long (250-byte) message-id url-encoded in the path', async () => {
    const id = `<${'x'.repeat(250 - '<@apinode>'.length)}@apinode>`;
    expect(id.length).toBe(250);
    const [r] = await node.components.ingest.submit(
      [{ id, newsgroups: ['api.long'], from: 'f', subject: 's', date: new Date().toISOString(), body: 'long id' }],
      { kind: 'import' },
    );
    expect(r.status).toBe('accepted');
    expect((await get<{ body: string }>(`/api/articles/${encodeURIComponent(id)}`)).body).toBe('long id');
  });
});
