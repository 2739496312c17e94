/**
 * Swarm mirrors (several sources) between in-process nodes over real HTTP: the union of
 * sources that hold different subsets, each id fetched once; a source that dies mid-job has
 * its share taken by the others; bad source lists are clear 400s naming `peers`;
 * `--serve-rate` caps the bodies a node serves (429 with Retry-After past a short pace).
 */
import { makeArticle, startTestNode, type TestNode } from '../helpers/node';
import { getJson, postJson, readIndex, waitForJob, type JobView } from '../helpers/mirror';
import { inputValue, WebClient } from './web-client';

interface SourceView {
  url: string;
  done: number;
  rate: number;
  state: string;
  error?: string;
}
type SwarmJob = JobView & { sources?: SourceView[] };

// Generous deadlines: the machine may be shared with much other work.
jest.setTimeout(240_000);
const WAIT_MS = 180_000;

const nodes: TestNode[] = [];
async function node(name: string, extra: Parameters<typeof startTestNode>[0] = {}): Promise<TestNode> {
  const n = await startTestNode({ name, ...extra });
  nodes.push(n);
  return n;
}
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.destroy().catch(() => undefined)));
});

function articles(group: string, from: number, to: number): Record<string, unknown>[] {
  const out = [];
  for (let i = from; i < to; i++) out.push(makeArticle({ newsgroups: [group], id: `<swarm.${group}.${i}@t>` }, i));
  return out;
}

async function importAll(n: TestNode, list: Record<string, unknown>[]): Promise<void> {
  for (let k = 0; k < list.length; k += 1000) await postJson(`${n.webUrl}/api/import`, { articles: list.slice(k, k + 1000) }, 200);
}

const stats = (n: TestNode) => getJson<Record<string, number>>(`${n.webUrl}/api/stats`);

describe('swarm mirror', () => {
  it('takes the union of three sources that hold different subsets, each body fetched once', async () => {
    const [a, b, c, sink] = await Promise.all([node('sa'), node('sb'), node('sc'), node('sink1', { tuning: { mirrorBatchIds: 50 } })]);
    const all = articles('test.swarm', 0, 1500);
    // a: 0-899, b: 600-1199, c: 1000-1499 and 0-99: overlaps and ids only one source holds.
    await Promise.all([importAll(a, all.slice(0, 900)), importAll(b, all.slice(600, 1200)), importAll(c, [...all.slice(1000), ...all.slice(0, 100)])]);
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peers: [a.peerUrl, b.peerUrl, c.peerUrl], group: 'test.swarm' }, 202);
    const job = (await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running', WAIT_MS)) as SwarmJob;
    expect(job).toMatchObject({ state: 'done', done: 1500, total: 1500 });
    expect(job.error).toBeUndefined();
    const index = await readIndex(sink.webUrl, 'test.swarm');
    expect(index.map((r) => r.n)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
    expect(new Set(index.map((r) => r.id))).toEqual(new Set(all.map((x) => x.id)));
    // Each body crossed once: what the sources served is what the sink took.
    expect((await stats(sink)).articlesReceived).toBe(1500);
    expect(job.sources?.map((s) => s.url)).toEqual([a.peerUrl, b.peerUrl, c.peerUrl]);
    expect(job.sources?.every((s) => s.state === 'finished')).toBe(true);
    expect(job.sources?.reduce((n, s) => n + s.done, 0)).toBe(1500);
    // The same set in another order is the same job; a re-run moves nothing.
    const again = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peers: [c.peerUrl, a.peerUrl, b.peerUrl], group: 'test.swarm' }, 202);
    expect(again.body.id).toBe(body.id);
    const rerun = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running' && j.startedAt !== job.startedAt, WAIT_MS);
    expect(rerun).toMatchObject({ state: 'done', done: 1500, total: 1500 });
    expect((await stats(sink)).articlesReceived).toBe(1500);
  });

  it('moves the share of a source that dies mid-job to the others and completes', async () => {
    // Capped sources make the job last long enough to lose one midway.
    const [a, b, c] = await Promise.all([node('fa', { serveRate: 300 }), node('fb', { serveRate: 300 }), node('fc', { serveRate: 300 })]);
    const sink = await node('sink2', { tuning: { mirrorBatchIds: 40, mirrorGiveUpMs: 60_000 } });
    const all = articles('test.dying', 0, 3000);
    await Promise.all([importAll(a, all), importAll(b, all), importAll(c, all)]);
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peers: [a.peerUrl, b.peerUrl, c.peerUrl], group: 'test.dying' }, 202);
    await waitForJob(sink.webUrl, body.id, (j) => j.done >= 300, WAIT_MS);
    await c.destroy();
    const job = (await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running', WAIT_MS)) as SwarmJob;
    expect(job).toMatchObject({ state: 'done', done: 3000, total: 3000 });
    const dead = job.sources?.find((s) => s.url === c.peerUrl);
    expect(dead?.state).toBe('failed');
    expect(job.error).toContain(`source ${c.peerUrl} failed`);
    const index = await readIndex(sink.webUrl, 'test.dying');
    expect(index).toHaveLength(3000);
    expect(new Set(index.map((r) => r.id)).size).toBe(3000);
  });

  it('starts from the page with several sources and lists each with its state', async () => {
    const [a, b, sink] = await Promise.all([node('wa'), node('wb'), node('wsink')]);
    const all = articles('test.page', 0, 60);
    await Promise.all([importAll(a, all.slice(0, 40)), importAll(b, all.slice(20))]);
    const web = new WebClient(sink.webUrl);
    const page = await web.get('/mirrors');
    const res = await web.post('/mirrors', { _csrf: inputValue(page.html, '_csrf')!, peer: `${a.peerUrl} ${b.peerUrl}`, group: 'test.page' });
    expect(res.status).toBe(303);
    const [job] = await getJson<SwarmJob[]>(`${sink.webUrl}/api/mirrors`);
    const done = (await waitForJob(sink.webUrl, job.id, (j) => j.state !== 'running', WAIT_MS)) as SwarmJob;
    expect(done).toMatchObject({ state: 'done', done: 60, total: 60 });
    const after = await web.get('/mirrors');
    for (const url of [a.peerUrl, b.peerUrl]) expect(after.html).toContain(`data-source="${url}"`);
    expect(after.html.match(/data-field="source-state">finished</g)).toHaveLength(2);
  });

  it('refuses a bad source list with a 400 naming peers', async () => {
    const sink = await node('sink3');
    const src = await node('src3');
    await importAll(src, articles('test.bad', 0, 5));
    const bad = async (body: unknown) => postJson<{ error: { code: string; message: string } }>(`${sink.webUrl}/api/mirrors`, body);
    for (const body of [
      { peers: [], group: 'test.bad' },
      { peers: 'http://x:1', group: 'test.bad' },
      { peers: [src.peerUrl, src.peerUrl], group: 'test.bad' },
      { peer: src.peerUrl, peers: [src.peerUrl], group: 'test.bad' },
      { peers: [src.peerUrl, 'http://bad host:1'], group: 'test.bad' },
      { peers: [src.peerUrl, `${src.peerUrl}/`], group: 'test.bad' },
    ]) {
      const r = await bad(body);
      expect({ body, status: r.status, code: r.body.error.code }).toEqual({ body, status: 400, code: 'NM_ERR_VALIDATION' });
      expect(r.body.error.message).toMatch(/peers/);
    }
    const none = await bad({ group: 'test.bad' });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/peer/);
    const unknown = await bad({ peers: [src.peerUrl, 'nobody-known'], group: 'test.bad' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/^peers\[1\]: peer nobody-known not found/);
    expect(await getJson<unknown[]>(`${sink.webUrl}/api/mirrors`)).toEqual([]);
  });
});

describe('--serve-rate', () => {
  it('keeps the bodies served within the rate, refusing the excess with 429 and Retry-After', async () => {
    const rate = 300;
    const src = await node('capped', { serveRate: rate });
    const list = articles('test.cap', 0, 1000);
    await importAll(src, list);
    const ids = list.map((a) => a.id as string);
    let served = 0;
    let refused = 0;
    let retryAfter: string | null = null;
    const t0 = Date.now();
    // 20 clients at once, 100 ids each: 2,000 asked of a node that serves 300/s.
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const res = await fetch(`${src.peerUrl}/v1/sendme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: ids.slice(k * 50, k * 50 + 100) }) });
        if (res.status === 429) {
          refused++;
          retryAfter = res.headers.get('retry-after');
          return;
        }
        expect(res.status).toBe(200);
        served += ((await res.json()) as { articles: unknown[] }).articles.length;
      }),
    );
    const secs = (Date.now() - t0) / 1000;
    expect(refused).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(served).toBeGreaterThan(0);
    // One second of burst, one of pacing, plus the time the requests took: generous bounds.
    expect(served).toBeLessThanOrEqual(rate * (2 + secs));
  });
});
