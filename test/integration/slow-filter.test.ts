/**
 * A stranger's hello carries a group filter that the node stores with the peer and applies
 * to every article it routes. A pattern built to make a backtracking matcher explode must
 * not slow a post down, neither when it arrives nor after a restart (it is read back from
 * the store). Real node, real LevelDB kept across the restart, a keyed peer by hand. And an
 * owner filter stored before the wildmat caps, which no longer parses, must not stop the
 * start: the link matches nothing (with a warning) until the owner sets a filter again.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { GossipEngine } from '../../node/gossip/gossip-engine';
import type { PeerRecord } from '../../node/gossip/peer-record';
import { Store } from '../../node/store/store';
import { WILDMAT_MAX_ITEMS } from '../../protocol/wildmat';
import { PeerClient } from '../helpers/peer-client';
import { startTestNode, type TestNode } from '../helpers/node';
import { tempDir } from '../helpers/tmp';
import { addPeer, api, destroyAll, has, peers, post, startGossipNode, waitFor } from './gossip-harness';
import type { PeerInfo } from '../../protocol/api';

/** A dozen stars: with a RegExp per item, one long group name took longer than anyone waits. */
const ATTACK = `${'*a'.repeat(12)}*b`;
const LONG_GROUP = `${'a'.repeat(60)}.${'a'.repeat(59)}`;

async function timedPost(node: TestNode): Promise<number> {
  const t0 = performance.now();
  await post(node, LONG_GROUP, 'an ordinary post');
  return performance.now() - t0;
}

describe('a malicious group filter', () => {
  const tmp = tempDir();
  let node: TestNode | undefined;
  afterAll(async () => {
    await node?.close();
    tmp.cleanup();
  });

  it('costs an ordinary post nothing, before and after a restart', async () => {
    node = await startTestNode({ name: 'filtered', data: tmp.dir });
    await PeerClient.connect(node.peerUrl, { name: 'mallory', groups: ATTACK });
    const row = (await api<PeerInfo[]>(node, 'GET', '/api/peers')).data.find((p) => p.name === 'mallory');
    // The filter is live: an active peer, so the router asks it about every article.
    expect(row?.state).not.toBe('pending');
    await post(node, 'test.warmup');
    expect(await timedPost(node)).toBeLessThan(500);

    await node.close();
    node = await startTestNode({ name: 'filtered', data: tmp.dir });
    expect(await timedPost(node)).toBeLessThan(500);
    expect((await api(node, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('an owner filter stored before the wildmat caps', () => {
  const tmp = tempDir();
  const nodes: (TestNode | undefined)[] = [];
  afterAll(async () => {
    await destroyAll(nodes);
    tmp.cleanup();
  });

  it('does not stop the start; the link takes nothing until the owner sets a new filter', async () => {
    const b = await startGossipNode({ name: 'old-b' });
    nodes.push(b);
    let a = await startGossipNode({ name: 'old-a', data: tmp.dir });
    await addPeer(a, b, 'test.*');
    await a.close();
    // What an older node could store: more items than a filter may have now.
    const tooMany = [...Array.from({ length: WILDMAT_MAX_ITEMS }, (_, i) => `misc.g${i}.*`), 'test.*'].join(',');
    const store = await Store.open(tmp.dir);
    const rec = (await store.subs.peers.get('old-b')) as PeerRecord;
    await store.subs.peers.put('old-b', { ...rec, groups: tooMany });
    await store.close();

    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    a = await startGossipNode({ name: 'old-a', data: tmp.dir }, {}, { logger });
    nodes.push(a);
    const table = (a.components.service.peers as unknown as GossipEngine).table;
    expect(lines.some((l) => /"peer":"old-b".*not a valid wildmat any more/.test(l))).toBe(true);
    expect(table.filterAllows('old-b', ['test.a'])).toBe(false);
    expect((await peers(a)).find((p) => p.name === 'old-b')).toBeDefined();
    const held = await post(a, 'test.a', 'not for old-b yet');
    expect((await peers(a)).find((p) => p.name === 'old-b')?.backlog).toBe(0);

    // The owner's new filter replaces the broken one (rather than being appended to it).
    expect(await addPeer(a, b, 'test.*')).toMatchObject({ name: 'old-b' });
    expect(table.filterAllows('old-b', ['test.a'])).toBe(true);
    expect(table.get('old-b')?.groups).toBe('test.*');
    const sent = await post(a, 'test.a', 'for old-b');
    await waitFor('the new post to reach old-b', () => has(b, sent));
    expect(await has(b, held)).toBe(false);
  });
});
