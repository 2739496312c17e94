/**
 * Bounded growth on real nodes (in-process, real HTTP): the groups a node carries follow
 * --accept-groups and --max-groups, and a local post to a group past them is refused with the
 * reason; a peer that is gone cannot grow its queue past --max-queue: the oldest entries are
 * dropped and counted, and the link shows it in GET /api/peers and on the peers page.
 */
import { Store } from '../../node/store/store';
import { checkStore } from '../../node/store/check';
import type { PeerInfo } from '../../protocol/api';
import { startTestNode, type TestNode } from '../helpers/node';
import { waitFor } from '../helpers/wait';
import { api, post } from './gossip-harness';
import { WebClient } from './web-client';

const nodes: TestNode[] = [];
afterAll(async () => {
  await Promise.allSettled(nodes.map((n) => n.destroy()));
});

it('refuses a local post to a new group past --accept-groups or --max-groups, with the reason', async () => {
  const node = await startTestNode({ name: 'groups-a', acceptGroups: 'test.*', maxGroups: 2 });
  nodes.push(node);
  const postTo = (group: string) => api<{ id?: string; error?: { code: string; message: string } }>(node, 'POST', '/api/articles', { newsgroups: [group], from: 'me', subject: 's', body: 'b' });
  const outside = await postTo('misc.x');
  expect(outside.status).toBe(400);
  expect(outside.data.error).toEqual({ code: 'NM_ERR_VALIDATION', message: 'newsgroups: this node does not carry misc.x (new groups must match --accept-groups test.*)' });
  expect((await postTo('test.a')).status).toBe(201);
  expect((await postTo('test.b')).status).toBe(201);
  const full = await postTo('test.c');
  expect(full.status).toBe(400);
  expect(full.data.error?.message).toBe('newsgroups: this node carries 2 groups, its limit (--max-groups 2); the new group test.c is refused');
  expect((await postTo('test.a')).status).toBe(201);
  expect((await api<{ name: string }[]>(node, 'GET', '/api/groups')).data.map((g) => g.name)).toEqual(['test.a', 'test.b']);
});

it('drops the oldest queued entries of a peer that is gone past --max-queue, and shows the count', async () => {
  const a = await startTestNode({ name: 'queue-a', maxQueue: 10 });
  const b = await startTestNode({ name: 'queue-b' });
  nodes.push(a, b);
  expect((await api(a, 'POST', '/api/peers', { url: b.peerUrl })).status).toBe(201);
  const first = await post(a, 'test.q', 'reaches b');
  await waitFor('the first post on B', async () => (await b.components.store.getStored(first)) !== undefined);
  await b.close();
  for (let i = 0; i < 30; i++) await post(a, 'test.q', `while b is gone ${i}`);
  const link = await waitFor('the queue held under its cap', async () => {
    const p = (await api<PeerInfo[]>(a, 'GET', '/api/peers')).data.find((x) => x.name === 'queue-b');
    return p && p.backlog <= 10 && (p.dropped ?? 0) > 0 ? p : undefined;
  });
  expect(link.backlog + (link.dropped ?? 0)).toBe(30);
  const page = await new WebClient(a.webUrl).get('/peers');
  expect(page.html).toMatch(new RegExp(`data-field="dropped"[^>]*>${link.dropped} dropped<`));
  // The rows left are the newest, and the store agrees with itself.
  await a.close();
  const store = await Store.open(a.dir);
  try {
    const ids: string[] = [];
    for await (const v of store.subs.queues.values()) ids.push(v.id);
    expect(ids).toHaveLength(link.backlog);
    const bodies = (await store.getManyStored(ids)).map((s) => s?.article.body);
    expect(bodies[bodies.length - 1]).toBe('while b is gone 29');
    expect((await checkStore(store)).problems).toEqual([]);
  } finally {
    await store.close();
  }
});
