/**
 * A node whose store refuses writes for a while (as with a full disk: LevelDB's batch fails,
 * injected around the real store): posts answer 503 with the reason, a peer's TAKETHIS gets a
 * 503 and the peer backs off keeping its queue, a mirror job pauses with the error shown;
 * nothing half-written stays, and once writes succeed again the node recovers by itself:
 * the peer's articles arrive, the mirror finishes with the right counts, posts are taken.
 */
import { gossipPart } from '../../node/gossip/gossip-part';
import { mirrorPart } from '../../node/mirror/mirror-part';
import { checkStore } from '../../node/store/check';
import { Store } from '../../node/store/store';
import type { PeerInfo } from '../../protocol/api';
import { fillGroup, waitForJob } from '../helpers/mirror';
import { nntpConnect, wire } from '../helpers/nntp';
import { startTestNode, type TestNode } from '../helpers/node';
import { recordFaults } from '../helpers/fault-figures';
import { waitFor } from '../helpers/wait';
import { api, post, TEST_GOSSIP } from './gossip-harness';

const nodes: TestNode[] = [];
afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.allSettled(nodes.map((n) => n.destroy()));
});

const parts = () => [gossipPart(TEST_GOSSIP), mirrorPart];

it('answers 503 while its store cannot write, keeps peers and mirrors waiting, and recovers by itself', async () => {
  const a = await startTestNode({ name: 'disk-a' }, { parts: parts() });
  const b = await startTestNode({ name: 'disk-b' }, { parts: parts() });
  nodes.push(a, b);
  await fillGroup(a.webUrl, 'test.m', 40);
  expect((await api(b, 'POST', '/api/peers', { url: a.peerUrl })).status).toBe(201);
  const linkToB = async () => (await api<PeerInfo[]>(a, 'GET', '/api/peers')).data.find((p) => p.name === 'disk-b');
  await waitFor('A has B as an active peer', async () => (await linkToB())?.state === 'up' || undefined);

  const failing = jest.spyOn(b.components.store, 'batch').mockRejectedValue(new Error('IO error: No space left on device'));

  // The owner's post: a clear 503 with the reason, and nothing stored.
  const res = await fetch(`${b.webUrl}/api/articles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ newsgroups: ['test.local'], from: 'me', subject: 's', body: 'b' }) });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('NM_ERR_UNAVAILABLE');
  expect(body.error.message).toMatch(/^storage: cannot write \(IO error: No space left on device\); nothing of it was stored, retry later$/);

  // Gossip: A's TAKETHIS gets 503; A backs off and keeps the articles queued.
  const sent: string[] = [];
  for (let i = 0; i < 5; i++) sent.push(await post(a, 'test.g', `while b's disk is full ${i}`));
  const stuck = await waitFor('A told 503 by B', async () => {
    const p = await linkToB();
    return p && /takethis answered 503/.test(p.lastError ?? '') ? p : undefined;
  });
  expect(stuck.state).toBe('up');
  expect(stuck.backlog).toBeGreaterThan(0);

  // Mirror: the job runs, shows the error, and waits.
  const started = await api<{ id: string }>(b, 'POST', '/api/mirrors', { peer: a.peerUrl, group: 'test.m' });
  expect(started.status).toBe(202);
  const paused = await waitForJob(b.webUrl, started.data.id, (j) => /No space left on device/.test(j.error ?? ''), 15_000);
  expect(paused).toMatchObject({ state: 'running', done: 0 });
  expect(failing).toHaveBeenCalled();

  // Writes succeed again: everything arrives without anyone's help.
  recordFaults({ kind: 'storage', 'failed-writes': failing.mock.calls.length });
  failing.mockRestore();
  await waitFor('the gossiped articles on B', async () => (await Promise.all(sent.map((id) => b.components.store.getStored(id)))).every((s) => s !== undefined), { timeoutMs: 20_000 });
  const job = await waitForJob(b.webUrl, started.data.id, (j) => j.state !== 'running', 20_000);
  expect(job).toMatchObject({ state: 'done', done: 40, total: 40, rejected: 0 });
  expect(job.error).toBeUndefined();
  await waitFor("A's queue for B drained", async () => (await linkToB())?.backlog === 0);
  const again = await api<{ id: string }>(b, 'POST', '/api/articles', { newsgroups: ['test.local'], from: 'me', subject: 's', body: 'b' });
  expect(again.status).toBe(201);

  // Nothing half-written: the store agrees with itself, and holds exactly what was acknowledged.
  await b.close();
  const store = await Store.open(b.dir);
  try {
    expect((await checkStore(store)).problems).toEqual([]);
    expect(await store.group('test.local')).toMatchObject({ count: 1, low: 1, high: 1 });
    expect(await store.group('test.m')).toMatchObject({ count: 40, low: 1, high: 40 });
    expect(await store.group('test.g')).toMatchObject({ count: 5, low: 1, high: 5 });
  } finally {
    await store.close();
  }
});

it('tells an NNTP peer to try again later (IHAVE 436, TAKETHIS 403) while its store cannot write, and takes the article after', async () => {
  const node = await startTestNode({ name: 'disk-n' });
  const other = await startTestNode({ name: 'disk-o' });
  nodes.push(node);
  // An NNTP peer at 127.0.0.1 makes this test's connections from 127.0.0.1 a peer's.
  expect((await api(node, 'POST', '/api/peers', { url: other.nntpUrl, name: 'disk-o' })).status).toBe(201);
  await other.destroy();
  const article = (id: string) =>
    wire(['Path: elsewhere!not-for-mail', 'From: t@example.org', 'Newsgroups: test.nntp', 'Subject: s', `Message-ID: ${id}`, 'Date: Sun, 29 Nov 2026 02:21:07 -0000 (UTC)', '', 'body']);
  const c = await nntpConnect(node.nntpUrl!);
  const failing = jest.spyOn(node.components.store, 'batch').mockRejectedValue(new Error('IO error: No space left on device'));
  expect((await c.command('IHAVE <n1@x>')).code).toBe(335);
  expect(await c.sendBlock(article('<n1@x>'), 'IHAVE')).toMatchObject({ code: 436, text: expect.stringMatching(/try again later: storage: cannot write/) });
  expect((await c.command('MODE STREAM')).code).toBe(203);
  expect(await c.takethis('<n2@x>', article('<n2@x>'))).toMatchObject({ code: 403, text: expect.stringMatching(/No space left on device/) });
  failing.mockRestore();
  // Offered again, both are wanted and taken: nothing of the failed attempts stayed.
  expect((await c.command('CHECK <n1@x>')).code).toBe(238);
  expect((await c.takethis('<n1@x>', article('<n1@x>'))).code).toBe(239);
  expect((await c.takethis('<n2@x>', article('<n2@x>'))).code).toBe(239);
  await c.quit();
});
