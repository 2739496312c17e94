/**
 * Honest copies win: a stranger cannot keep an article away from a node by sending a bad
 * copy of its id, a copy whose path names the node, or by offering the id without sending
 * it. Refusals are remembered per sender; an in-flight mark is not extended by its holder,
 * moves on once the holder missed its window, and a peer that leaves its offers undelivered
 * loses priority (shown in /api/peers). Per-peer memory is bounded and goes with the peer.
 * A real node on 127.0.0.1 with a manual clock, and keyed peers speaking the protocol by hand.
 */
import { gossipPart } from '../../node/gossip/gossip-part';
import type { GossipEngine } from '../../node/gossip/gossip-engine';
import { KNOWN_HAVES_DEFAULTS } from '../../node/gossip/known-haves';
import type { PeerInfo } from '../../protocol/api';
import { ManualClock } from '../helpers/manual-clock';
import { makeArticle, startTestNode, type TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { api, has, TEST_GOSSIP } from './gossip-harness';

const WINDOW = 10_000;

async function start(name: string, clock = new ManualClock()): Promise<{ node: TestNode; clock: ManualClock; engine: GossipEngine }> {
  // The watchdog would sweep on its own as the clock moves; these tests decide when.
  const node = await startTestNode({ name }, { clock, parts: [gossipPart({ ...TEST_GOSSIP, inFlightTtlMs: WINDOW, watchdogMs: 3_600_000 })] });
  return { node, clock, engine: node.components.service.peers as unknown as GossipEngine };
}

async function row(node: TestNode, name: string): Promise<PeerInfo> {
  const r = (await api<PeerInfo[]>(node, 'GET', '/api/peers')).data.find((p) => p.name === name);
  if (!r) throw new Error(`no peer ${name}`);
  return r;
}

describe('honest copies win', () => {
  const nodes: TestNode[] = [];
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.destroy()));
  });

  it('a bad copy from one peer does not stop a good copy from another, and the bad sender is not asked again', async () => {
    const { node } = await start('victim1');
    nodes.push(node);
    const mallory = await PeerClient.connect(node.peerUrl, { name: 'mallory' });
    const honest = await PeerClient.connect(node.peerUrl, { name: 'honest' });
    const good = makeArticle({ id: '<wanted@origin>' });

    expect((await mallory.ihave([good.id as string])).body).toEqual({ sendme: [good.id], later: [] });
    const bad = await mallory.takethis([{ ...good, subject: '' }]);
    expect(bad.body.results[0].status).toBe('rejected');

    // The honest peer is asked for it, and its copy is taken.
    expect((await honest.ihave([good.id as string])).body).toEqual({ sendme: [good.id], later: [] });
    expect((await honest.takethis([good])).body.results[0].status).toBe('accepted');
    expect(await has(node, good.id as string)).toBe(true);

    // Mallory is not asked again for what it sent bad; others are.
    const other = makeArticle({ id: '<other@origin>' });
    await mallory.ihave([other.id as string]);
    await mallory.takethis([{ ...other, date: 'yesterday' }]);
    expect((await mallory.ihave([other.id as string])).body).toEqual({ sendme: [], later: [] });
    expect((await honest.ihave([other.id as string])).body).toEqual({ sendme: [other.id], later: [] });
  });

  it('a copy whose path names this node, sent to make it refuse the id, does not block an honest copy', async () => {
    const { node } = await start('victim2');
    nodes.push(node);
    const mallory = await PeerClient.connect(node.peerUrl, { name: 'mallory' });
    const honest = await PeerClient.connect(node.peerUrl, { name: 'honest' });
    const good = makeArticle({ id: '<looped@origin>', path: ['origin'] });
    const poisoned = { ...good, path: ['victim2', 'origin'] };
    const r = await mallory.takethis([poisoned]);
    expect(r.body.results[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/loop/) });
    expect((await honest.ihave([good.id as string])).body).toEqual({ sendme: [good.id], later: [] });
    expect((await honest.takethis([good])).body.results[0].status).toBe('accepted');
  });

  it('offering an id again and again without sending it keeps honest peers waiting one window at most', async () => {
    const { node, clock } = await start('victim3');
    nodes.push(node);
    const mallory = await PeerClient.connect(node.peerUrl, { name: 'mallory' });
    const honest = await PeerClient.connect(node.peerUrl, { name: 'honest' });
    const a = makeArticle({ id: '<held-back@origin>' });
    const id = a.id as string;
    expect((await mallory.ihave([id])).body.sendme).toEqual([id]);
    // Mallory re-offers every second; its retries are answered, but the mark does not grow.
    for (let t = 1_000; t < WINDOW; t += 1_000) {
      clock.advance(1_000);
      expect((await mallory.ihave([id])).body.sendme).toEqual([id]);
      expect((await honest.ihave([id])).body).toEqual({ sendme: [], later: [id] });
    }
    clock.advance(1_500);
    // Its window is over: the honest peer that waited gets the mark, however fast mallory re-offers.
    expect((await mallory.ihave([id])).body).toEqual({ sendme: [], later: [id] });
    expect((await honest.ihave([id])).body).toEqual({ sendme: [id], later: [] });
    expect((await mallory.ihave([id])).body).toEqual({ sendme: [], later: [id] });
    expect((await honest.takethis([a])).body.results[0].status).toBe('accepted');
    expect(await row(node, 'mallory')).toMatchObject({ unfulfilled: 1, priority: 'normal' });
    expect(await row(node, 'honest')).toMatchObject({ unfulfilled: 0, priority: 'normal' });
  });

  it('a peer that leaves its offers undelivered loses priority: shorter window, and others go first', async () => {
    const { node, clock } = await start('victim4');
    nodes.push(node);
    const mallory = await PeerClient.connect(node.peerUrl, { name: 'mallory' });
    const honest = await PeerClient.connect(node.peerUrl, { name: 'honest' });
    const ids = ['<y1@o>', '<y2@o>', '<y3@o>'];
    expect((await mallory.ihave(ids)).body.sendme).toEqual(ids);
    clock.advance(WINDOW + 1);
    expect((await honest.ihave(ids)).body.sendme).toEqual(ids);
    expect(await row(node, 'mallory')).toMatchObject({ unfulfilled: 3, priority: 'low' });

    // Its offer of a new id waits; an honest offer meanwhile is asked for at once.
    const z = makeArticle({ id: '<z@o>' });
    expect((await mallory.ihave([z.id as string])).body).toEqual({ sendme: [], later: [z.id] });
    expect((await honest.ihave([z.id as string])).body).toEqual({ sendme: [z.id], later: [] });

    // Alone with an id, it is asked after the wait, for a quarter of the window.
    const w = '<w@o>';
    expect((await mallory.ihave([w])).body.later).toEqual([w]);
    clock.advance(1_100);
    expect((await mallory.ihave([w])).body.sendme).toEqual([w]);
    clock.advance(WINDOW / 4 + 1);
    expect((await honest.ihave([w])).body).toEqual({ sendme: [w], later: [] });

    // Deliveries earn it back (its offers still wait their turn until then).
    const bodies = Array.from({ length: 20 }, (_, i) => makeArticle({ id: `<m${i}@o>` }));
    const offer = bodies.map((b) => b.id as string);
    expect((await mallory.ihave(offer)).body.later).toEqual(offer);
    clock.advance(1_100);
    expect((await mallory.ihave(offer)).body.sendme).toEqual(offer);
    expect((await mallory.takethis(bodies)).body.results.every((r) => r.status === 'accepted')).toBe(true);
    expect(await row(node, 'mallory')).toMatchObject({ unfulfilled: 4, priority: 'normal' });
  });

  it('a peer parking tens of thousands of offered ids holds bounded memory, which expires and goes with the peer', async () => {
    const { node, clock, engine } = await start('victim5');
    nodes.push(node);
    const mallory = await PeerClient.connect(node.peerUrl, { name: 'mallory' });
    let asked = 0;
    for (let b = 0; b < 30; b++) {
      const r = await mallory.ihave(Array.from({ length: 1000 }, (_, i) => `<park.${b}.${i}@o>`));
      asked += r.body.sendme.length;
    }
    // It may hold a few batches' worth of marks, not 30,000.
    expect(asked).toBeLessThanOrEqual(10_000);
    const mem = engine.memoryOf('mallory');
    expect(mem.openMarks).toBeLessThanOrEqual(10_000);
    expect(mem.knownHaves).toBe(KNOWN_HAVES_DEFAULTS.perPeerMax);
    // Unfulfilled marks expire (strikes), and known ids expire too.
    clock.advance(WINDOW * 3 + 1);
    engine.sweepMemory();
    expect(engine.memoryOf('mallory').openMarks).toBe(0);
    expect((await row(node, 'mallory')).unfulfilled).toBe(asked);
    clock.advance(31 * 60_000);
    engine.sweepMemory();
    expect(engine.memoryOf('mallory')).toEqual({ openMarks: 0, refused: 0, deferred: 0, knownHaves: 0 });

    // Forgetting the peer drops what is left of it.
    await mallory.ihave(['<last@o>']);
    await mallory.takethis([{ ...makeArticle({ id: '<bad@o>' }), subject: '' }]);
    expect(engine.memoryOf('mallory').refused).toBe(1);
    expect((await api(node, 'DELETE', '/api/peers/mallory')).status).toBeLessThan(300);
    expect(engine.memoryOf('mallory')).toEqual({ openMarks: 0, refused: 0, deferred: 0, knownHaves: 0 });
  });
});
