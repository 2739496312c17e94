/**
 * Mirror jobs between in-process nodes over real HTTP: full copy with dense numbers, re-run
 * moves no bodies, incremental re-run, failures (unknown group, invalid articles skipped with
 * reasons) and `--public-read`. Retries, give-up, cancel: mirror-control.test.ts.
 */
import { startTestNode, type TestNode } from '../helpers/node';
import { fillGroup, getJson, postJson, readIndex, waitForJob, type JobView } from '../helpers/mirror';
import { createBaseApp } from '../../node/http/base-app';
import { silentLogger } from '../../node/logger';
import { archiveRoutes } from '../../node/archive/archive-routes';
import { readCheck } from '../../node/archive/read-access';

const stats = (node: TestNode) => getJson<Record<string, number>>(`${node.webUrl}/api/stats`);

describe('mirror jobs', () => {
  let source: TestNode;
  let sink: TestNode;
  let ids: string[];
  beforeAll(async () => {
    [source, sink] = await Promise.all([startTestNode({ name: 'src' }), startTestNode({ name: 'sink' })]);
    ids = await fillGroup(source.webUrl, 'test.mirror', 2500);
  });
  afterAll(async () => {
    await Promise.all([source?.destroy(), sink?.destroy()]);
  });

  it('copies every article once, numbers dense, and reports done/total', async () => {
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.mirror' }, 202);
    const job = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running');
    expect(job).toMatchObject({ state: 'done', done: 2500, total: 2500, peer: source.peerUrl, group: 'test.mirror' });
    expect(job.error).toBeUndefined();
    const index = await readIndex(sink.webUrl, 'test.mirror');
    expect(index.map((r) => r.n)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(new Set(index.map((r) => r.id))).toEqual(new Set(ids));
    const one = await getJson<{ path: string[] }>(`${sink.webUrl}/api/articles/${encodeURIComponent(ids[7])}`);
    expect(one.path).toEqual(['sink', 'src', 'origin']);
  });

  it('a re-run of the finished mirror moves no bodies; a later one fetches only what is new', async () => {
    const before = await stats(sink);
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.mirror' }, 202);
    const again = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running');
    expect(again).toMatchObject({ state: 'done', done: 2500, total: 2500 });
    const after = await stats(sink);
    expect(after.articlesReceived - before.articlesReceived).toBe(0);

    const fresh = await fillGroup(source.webUrl, 'test.mirror', 30);
    await postJson(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.mirror' }, 202);
    const third = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running' && j.total === 2530);
    expect(third).toMatchObject({ state: 'done', done: 2530 });
    expect((await stats(sink)).articlesReceived - after.articlesReceived).toBe(30);
    const got = await getJson<{ id: string }>(`${sink.webUrl}/api/articles/${encodeURIComponent(fresh[29])}`);
    expect(got.id).toBe(fresh[29]);
    expect((await getJson<JobView[]>(`${sink.webUrl}/api/mirrors`)).filter((j) => j.group === 'test.mirror')).toHaveLength(1);
  });

  it('refuses a job for a group the peer lacks, naming the groups it has', async () => {
    const r = await postJson<{ error: { code: string; message: string } }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'no.such.group' });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(`peer ${source.peerUrl} has no group no.such.group (it has test.mirror)`);
    expect((await getJson<JobView[]>(`${sink.webUrl}/api/mirrors`)).some((j) => j.group === 'no.such.group')).toBe(false);
  });

  it('refuses a bad peer and a bad group at the API', async () => {
    const r1 = await postJson<{ error: { code: string } }>(`${sink.webUrl}/api/mirrors`, { peer: 'nobody-known', group: 'test.mirror' });
    expect(r1.status).toBe(404);
    const r2 = await postJson<{ error: { code: string } }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'Bad Group' });
    expect(r2.status).toBe(400);
    expect(r2.body.error.code).toBe('NM_ERR_VALIDATION');
  });
});

describe('mirror failures', () => {
  it('counts and skips invalid articles with their reason, and goes on', async () => {
    const source = await startTestNode({ name: 'big' });
    const sink = await startTestNode({ name: 'small', maxArticleBytes: 2048 });
    try {
      await fillGroup(source.webUrl, 'test.mixed', 40, (i) => (i % 10 === 3 ? { body: 'x'.repeat(4000) } : {}));
      const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.mixed' }, 202);
      const job = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running');
      expect(job).toMatchObject({ state: 'done', done: 36, total: 40, rejected: 4 });
      expect(job.rejections).toHaveLength(4);
      expect(job.rejections![0].reason).toMatch(/body is 4000 bytes/);
      expect(await readIndex(sink.webUrl, 'test.mixed')).toHaveLength(36);
    } finally {
      await Promise.all([source.destroy(), sink.destroy()]);
    }
  });
});

describe('archive routes and --public-read', () => {
  it('serves the group list and index with bounded pages', async () => {
    const node = await startTestNode({ name: 'arch' });
    try {
      const ids = await fillGroup(node.webUrl, 'test.arch', 20);
      expect(await getJson(`${node.peerUrl}/v1/groups`)).toEqual([{ name: 'test.arch', count: 20, low: 1, high: 20 }]);
      const page = await getJson<{ entries: { n: number; id: string }[]; high: number; count: number }>(`${node.peerUrl}/v1/groups/test.arch/index?after=5&limit=10`);
      expect(page.entries.map((e) => e.n)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
      expect(page.entries[0].id).toBe(ids[5]);
      expect(page).toMatchObject({ high: 20, count: 20 });
      const tooMany = await fetch(`${node.peerUrl}/v1/groups/test.arch/index?limit=5000`);
      expect(tooMany.status).toBe(400);
      const sendme = await postJson<{ articles: { id: string }[] }>(`${node.peerUrl}/v1/sendme`, { ids: [ids[0], '<missing@x>', ids[3]] }, 200);
      expect(sendme.body.articles.map((a) => a.id)).toEqual([ids[0], ids[3]]);
      expect((await fetch(`${node.peerUrl}/v1/groups/none.here/index`)).status).toBe(404);
    } finally {
      await node.destroy();
    }
  });

  it('cuts a large SENDME answer and names the rest in `more`; a mirror still gets them all', async () => {
    const source = await startTestNode({ name: 'bulky' });
    const sink = await startTestNode({ name: 'bulky-sink' });
    try {
      const ids = await fillGroup(source.webUrl, 'test.bulky', 100, () => ({ body: 'y'.repeat(60_000) }));
      const r = await postJson<{ articles: { id: string }[]; more?: string[] }>(`${source.peerUrl}/v1/sendme`, { ids }, 200);
      expect(r.body.articles.length).toBeGreaterThan(10);
      expect(r.body.articles.length).toBeLessThan(100);
      expect([...r.body.articles.map((a) => a.id), ...(r.body.more ?? [])]).toEqual(ids);
      const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.bulky' }, 202);
      expect(await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running')).toMatchObject({ state: 'done', done: 100, total: 100 });
    } finally {
      await Promise.all([source.destroy(), sink.destroy()]);
    }
  });

  it('rate limits archive reads per client', async () => {
    const node = await startTestNode({ name: 'limited' });
    const app = createBaseApp({ logger: silentLogger() });
    app.register(archiveRoutes, { store: node.components.store, metrics: node.components.metrics, check: readCheck('on', null), rateMax: 3, rateWindowMs: 60_000 });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await app.inject({ method: 'GET', url: '/v1/groups' })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const res = await app.inject({ method: 'GET', url: '/v1/groups' });
      expect(res.json()).toEqual({ error: { code: 'NM_ERR_RATE_LIMIT', message: expect.any(String) } });
    } finally {
      await app.close();
      await node.destroy();
    }
  });

  it('answers 403 under off and 401 without a peer token under peers', async () => {
    const off = await startTestNode({ publicRead: 'off' });
    const peers = await startTestNode({ publicRead: 'peers' });
    try {
      const r1 = await fetch(`${off.peerUrl}/v1/groups`);
      expect(r1.status).toBe(403);
      expect(((await r1.json()) as { error: { code: string } }).error.code).toBe('NM_ERR_FORBIDDEN');
      expect((await fetch(`${peers.peerUrl}/v1/groups`)).status).toBe(401);
      expect((await fetch(`${peers.peerUrl}/v1/groups`, { headers: { authorization: 'Bearer not-a-token-of-anyone' } })).status).toBe(401);
      expect((await fetch(`${peers.peerUrl}/healthz`)).status).toBe(200);
    } finally {
      await Promise.all([off.destroy(), peers.destroy()]);
    }
  });
});
