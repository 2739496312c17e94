/**
 * Mirror jobs the owner controls, between in-process nodes over real HTTP: a new job checks
 * its peer (an unreachable URL and a web port are refused at once, with the reason), a job
 * whose peer goes away retries and finishes when it is back or gives up after a bounded time,
 * and a job can be cancelled (API and page): it stops, is removed, is not resumed after a
 * restart, and a watcher sees `cancelled`.
 */
import { createServer } from 'node:net';
import { startTestNode, type TestNode } from '../helpers/node';
import { fillGroup, getJson, postJson, waitForJob, type JobView } from '../helpers/mirror';
import { frontDoor, type FrontDoor } from '../helpers/front-door';
import { inputValue, WebClient } from './web-client';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function del<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as T };
}

describe('mirror job control', () => {
  let source: TestNode;
  let sink: TestNode;
  let door: FrontDoor;
  const nodes: TestNode[] = [];
  beforeAll(async () => {
    source = await startTestNode({ name: 'ctl-src' });
    await fillGroup(source.webUrl, 'test.ctl', 50);
    sink = await startTestNode({ name: 'ctl-sink', tuning: { mirrorGiveUpMs: 1500 } });
    nodes.push(source, sink);
  });
  beforeEach(async () => {
    door = await frontDoor(source.peerUrl, 'groups-only');
  });
  afterEach(async () => {
    await door.close();
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
  });

  it('refuses a job against an unreachable URL at once, and keeps no job', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    const r = await postJson<{ error: { code: string; message: string } }>(`${sink.webUrl}/api/mirrors`, { peer: url, group: 'test.ctl' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('NM_ERR_PEER_UNREACHABLE');
    expect(r.body.error.message).toMatch(new RegExp(`^peer ${url} cannot be reached: .*ECONNREFUSED`));
    expect(await getJson<JobView[]>(`${sink.webUrl}/api/mirrors`)).toEqual([]);
  });

  it("names a node's web port given instead of its peer port", async () => {
    const r = await postJson<{ error: { code: string; message: string } }>(`${sink.webUrl}/api/mirrors`, { peer: source.webUrl, group: 'test.ctl' });
    expect(r.status).toBe(422);
    expect(r.body.error).toEqual({ code: 'NM_ERR_PEER_REFUSED', message: expect.stringContaining(`${source.webUrl} is a newsmesh node's web port`) });
    expect(r.body.error.message).toMatch(/not its peer port: use the peer URL/);
  });

  it('retries a peer that went away with the error shown, and finishes when it is back', async () => {
    const { body } = await postJson<{ id: string; started: boolean }>(`${sink.webUrl}/api/mirrors`, { peer: door.url, group: 'test.ctl' }, 202);
    expect(body.started).toBe(true);
    const waiting = await waitForJob(sink.webUrl, body.id, (j) => j.error !== undefined, 10_000);
    expect(waiting).toMatchObject({ state: 'running', done: 0, error: expect.stringMatching(/unreachable/) });
    door.mode = 'pass';
    expect(await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running', 20_000)).toMatchObject({ state: 'done', done: 50, total: 50 });
    await del(`${sink.webUrl}/api/mirrors/${body.id}`);
  });

  it('gives up after the bounded time without progress, as failed with the reason', async () => {
    const t0 = Date.now();
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: door.url, group: 'test.ctl' }, 202);
    const job = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running', 15_000);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/unreachable: .* \(gave up after [12] s without progress\)$/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const removed = await del<JobView>(`${sink.webUrl}/api/mirrors/${body.id}`);
    expect(removed).toMatchObject({ status: 200, body: { id: body.id, state: 'failed' } });
  });

  it('cancels a running job: it stops, is removed, shows cancelled, and is not resumed after a restart', async () => {
    const slow = await startTestNode({ name: 'ctl-slow', tuning: { mirrorGiveUpMs: 600_000 } });
    nodes.push(slow);
    const { body } = await postJson<{ id: string }>(`${slow.webUrl}/api/mirrors`, { peer: door.url, group: 'test.ctl' }, 202);
    await waitForJob(slow.webUrl, body.id, (j) => j.error !== undefined, 10_000);
    const cancelled = await del<JobView>(`${slow.webUrl}/api/mirrors/${body.id}`);
    expect(cancelled).toMatchObject({ status: 200, body: { id: body.id, state: 'cancelled', group: 'test.ctl' } });
    expect(await getJson<JobView[]>(`${slow.webUrl}/api/mirrors`)).toEqual([]);
    expect(await getJson<JobView>(`${slow.webUrl}/api/mirrors/${body.id}`)).toMatchObject({ state: 'cancelled' });
    await slow.close();
    const again = await startTestNode({ name: 'ctl-slow', data: slow.dir });
    nodes.push(again);
    expect(await getJson<JobView[]>(`${again.webUrl}/api/mirrors`)).toEqual([]);
    expect((await del<{ error: { code: string } }>(`${again.webUrl}/api/mirrors/${body.id}`)).status).toBe(404);
  });

  it('cancels and removes jobs from the page', async () => {
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: door.url, group: 'test.ctl' }, 202);
    await waitForJob(sink.webUrl, body.id, (j) => j.error !== undefined, 10_000);
    const web = new WebClient(sink.webUrl);
    const page = await web.get('/mirrors');
    expect(page.html).toContain(`action="/mirrors/${body.id}/cancel"`);
    expect(page.html).toMatch(/<button type="submit" class="btn">Cancel<\/button>/);
    const fragment = await web.get('/mirrors/jobs');
    expect(fragment.html).toContain(`data-job="${body.id}"`);
    const res = await web.post(`/mirrors/${body.id}/cancel`, { _csrf: inputValue(page.html, '_csrf')! });
    expect(res.status).toBe(303);
    expect((await web.get('/mirrors')).html).not.toContain(`data-job="${body.id}"`);
    expect((await web.post(`/mirrors/${body.id}/cancel`, { _csrf: 'forged' })).status).toBe(403);
  });
});
