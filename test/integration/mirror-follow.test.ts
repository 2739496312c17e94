/**
 * Mirroring together with gossip: `follow` keeps the peer as a neighbour for the group so a
 * later post on the source arrives by gossip; a known peer can be named instead of its URL;
 * under `--public-read peers` only a peered node can mirror.
 */
import { startTestNode, type TestNode } from '../helpers/node';
import { fillGroup, getJson, postJson, waitForJob } from '../helpers/mirror';
import { waitFor } from '../helpers/wait';

const articleOn = (node: TestNode, id: string) => async () => {
  const res = await fetch(`${node.webUrl}/api/articles/${encodeURIComponent(id)}`);
  return res.status === 200 ? ((await res.json()) as { id: string; path: string[] }) : undefined;
};

describe('mirror with gossip', () => {
  const nodes: TestNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
  });

  it('with follow, a post made on the source after the mirror arrives by gossip', async () => {
    const source = await startTestNode({ name: 'follow-src' });
    const sink = await startTestNode({ name: 'follow-sink' });
    nodes.push(source, sink);
    await fillGroup(source.webUrl, 'test.follow', 200);
    await fillGroup(source.webUrl, 'test.other', 5);
    const { body } = await postJson<{ id: string }>(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.follow', follow: true }, 202);
    const job = await waitForJob(sink.webUrl, body.id, (j) => j.state !== 'running');
    expect(job).toMatchObject({ state: 'done', done: 200, total: 200, follow: true });
    expect(job.error).toBeUndefined();
    const peers = await getJson<{ name: string; url: string; groups?: string }[]>(`${sink.webUrl}/api/peers`);
    expect(peers).toEqual([expect.objectContaining({ name: 'follow-src', url: source.peerUrl, groups: 'test.follow' })]);

    const posted = await postJson<{ id: string }>(`${source.webUrl}/api/articles`, { newsgroups: ['test.follow'], from: 'a@x', subject: 'after the mirror', body: 'new' }, 201);
    const arrived = await waitFor('the new post on the sink', articleOn(sink, posted.body.id), 20_000);
    expect(arrived.path).toEqual(['follow-sink', 'follow-src']);
    // The filter is the mirrored group: other groups do not flow over this link.
    const other = await postJson<{ id: string }>(`${source.webUrl}/api/articles`, { newsgroups: ['test.other'], from: 'a@x', subject: 'elsewhere', body: 'no' }, 201);
    const marker = await postJson<{ id: string }>(`${source.webUrl}/api/articles`, { newsgroups: ['test.follow'], from: 'a@x', subject: 'marker', body: 'm' }, 201);
    await waitFor('the marker post on the sink', articleOn(sink, marker.body.id), 20_000);
    expect(await articleOn(sink, other.body.id)()).toBeUndefined();
  });

  it('mirrors from a known peer given by name, and under --public-read peers only from a peer', async () => {
    const source = await startTestNode({ name: 'closed-src', publicRead: 'peers' });
    const friend = await startTestNode({ name: 'friend' });
    const stranger = await startTestNode({ name: 'stranger' });
    nodes.push(source, friend, stranger);
    await fillGroup(source.webUrl, 'test.closed', 120);

    const denied = await postJson<{ error: { code: string; message: string } }>(`${stranger.webUrl}/api/mirrors`, { peer: source.peerUrl, group: 'test.closed' });
    expect(denied.status).toBe(422);
    expect(denied.body.error).toEqual({ code: 'NM_ERR_PEER_REFUSED', message: expect.stringMatching(/refused .*peers only/) });

    await postJson(`${friend.webUrl}/api/peers`, { url: source.peerUrl }, 201);
    const { body } = await postJson<{ id: string }>(`${friend.webUrl}/api/mirrors`, { peer: 'closed-src', group: 'test.closed' }, 202);
    const job = await waitForJob(friend.webUrl, body.id, (j) => j.state !== 'running');
    expect(job).toMatchObject({ state: 'done', done: 120, total: 120, peer: 'closed-src' });
  });
});
