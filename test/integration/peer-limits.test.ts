/**
 * Open mode with limits: caps on peers and on pending requests, strangers' records expiring
 * (driven by a manual clock), the owner's add replacing a squatter but never an owner-confirmed
 * peer, no dialing of private addresses named by strangers, and the per-address handshake
 * rate limit with back-off.
 */
import type { PeerRecord } from '../../node/gossip/peer-record';
import { ManualClock } from '../helpers/manual-clock';
import type { TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { addPeer, api, destroyAll, peers, startGossipNode, waitFor } from './gossip-harness';

type ErrorBody = { error: { code: string; message: string } };
const errorOf = (body: unknown) => (body as ErrorBody).error;
const record = async (node: TestNode, name: string) => (await node.components.store.subs.peers.get(name)) as PeerRecord | undefined;
const DAY = 24 * 3_600_000;

describe('open mode with limits', () => {
  const nodes: TestNode[] = [];
  afterAll(() => destroyAll(nodes));

  it('refuses new peers past --max-peers and requests past --max-pending-peers', async () => {
    const open = await startGossipNode({ name: 'cap-open', maxPeers: 2 });
    const approve = await startGossipNode({ name: 'cap-approve', acceptPeers: 'approve', maxPendingPeers: 1 });
    nodes.push(open, approve);
    const s1 = await PeerClient.connect(open.peerUrl, { name: 's1' });
    await PeerClient.connect(open.peerUrl, { name: 's2' });
    const third = await new PeerClient(open.peerUrl, { name: 's3' }).hello();
    expect(third.status).toBe(403);
    expect(errorOf(third.body)).toMatchObject({ code: 'NM_ERR_PEER_LIMIT', message: expect.stringMatching(/at most 2 peers \(--max-peers\)/) });
    // Known peers still greet when the table is full.
    expect((await s1.hello()).status).toBe(200);
    expect((await peers(open)).map((p) => p.name)).toEqual(['s1', 's2']);

    const p1 = await PeerClient.connect(approve.peerUrl, { name: 'p1' });
    expect(p1.lastReply?.state).toBe('pending');
    const p2 = await new PeerClient(approve.peerUrl, { name: 'p2' }).hello();
    expect(p2.status).toBe(403);
    expect(errorOf(p2.body).message).toMatch(/1 peering requests already wait for approval here \(--max-pending-peers 1\)/);
    // Once the owner approves, there is room for the next request.
    expect((await api(approve, 'POST', '/api/peers/p1/approve', {})).status).toBe(204);
    expect((await new PeerClient(approve.peerUrl, { name: 'p2' }).hello()).status).toBe(200);
  });

  it("the owner's add makes room by dropping the stranger heard from least recently", async () => {
    const x = await startGossipNode({ name: 'room-x', maxPeers: 2 });
    const real = await startGossipNode({ name: 'room-real' });
    nodes.push(x, real);
    await PeerClient.connect(x.peerUrl, { name: 'older' });
    const newer = await PeerClient.connect(x.peerUrl, { name: 'newer' });
    await newer.ihave(['<touch@x>']); // heard from later
    expect(await addPeer(x, real)).toMatchObject({ name: 'room-real' });
    expect((await peers(x)).map((p) => p.name)).toEqual(['newer', 'room-real']);
    // With only owner-confirmed peers left to drop, the owner is told to remove one.
    const third = await startGossipNode({ name: 'room-third' });
    nodes.push(third);
    await api(x, 'POST', '/api/peers', { url: third.peerUrl });
    const fourth = await startGossipNode({ name: 'room-fourth' });
    nodes.push(fourth);
    const refused = await api<ErrorBody>(x, 'POST', '/api/peers', { url: fourth.peerUrl });
    expect(refused.status).toBe(403);
    expect(refused.data.error.message).toMatch(/already keeps 2 peers \(--max-peers\); remove one first/);
  });

  it("strangers' records that stay pending or silent expire, with their per-peer memory", async () => {
    const clock = new ManualClock();
    const x = await startGossipNode({ name: 'exp-x' }, {}, { clock });
    const y = await startGossipNode({ name: 'exp-y', acceptPeers: 'approve' }, {}, { clock });
    const friend = await startGossipNode({ name: 'exp-friend' });
    nodes.push(x, y, friend);
    await addPeer(x, friend);
    const quiet = await PeerClient.connect(x.peerUrl, { name: 'quiet' });
    const busy = await PeerClient.connect(x.peerUrl, { name: 'busy' });
    await PeerClient.connect(y.peerUrl, { name: 'asking' });
    await quiet.ihave(['<q1@x>']);
    expect((await peers(x)).find((p) => p.name === 'quiet')?.offersReceived).toBe(1);

    // Six days on: nobody is silent for a week yet, but the request waiting on y is 3 days old.
    clock.advance(6 * DAY);
    await waitFor('pending request expired', async () => (await peers(y)).length === 0);
    expect((await peers(x)).map((p) => p.name).sort()).toEqual(['busy', 'exp-friend', 'quiet']);
    await busy.ihave(['<b1@x>']); // busy speaks; quiet stays silent
    clock.advance(2 * DAY);
    await waitFor('silent stranger expired', async () => !(await peers(x)).some((p) => p.name === 'quiet'));
    expect((await peers(x)).map((p) => p.name).sort()).toEqual(['busy', 'exp-friend']);
    expect(await record(x, 'quiet')).toBeUndefined();
    // Its counters went with it: greeting again starts from nothing.
    const again = new PeerClient(x.peerUrl, { name: 'quiet', key: quiet.key });
    expect((await again.hello({ over: { time: clock.now() } })).status).toBe(200);
    expect((await peers(x)).find((p) => p.name === 'quiet')?.offersReceived).toBe(0);
    // The owner's peer never expires, however quiet.
    clock.advance(30 * DAY);
    await waitFor('strangers gone', async () => (await peers(x)).length === 1);
    expect((await peers(x))[0].name).toBe('exp-friend');
  });

  it("the owner's add replaces a stranger squatting a name, but not a peer the owner confirmed", async () => {
    const x = await startGossipNode({ name: 'sq-x' });
    const real = await startGossipNode({ name: 'sq-real' });
    nodes.push(x, real);
    // Name and URL are public: the squatter claims both before the real node shows up.
    const squatter = await PeerClient.connect(x.peerUrl, { name: 'sq-real', url: real.peerUrl, groups: 'x.*' });
    expect((await record(x, 'sq-real'))?.key).toBe(squatter.key.key);
    const added = await addPeer(x, real, 'test.*');
    expect(added).toMatchObject({ name: 'sq-real' });
    const rec = await record(x, 'sq-real');
    expect(rec).toMatchObject({ url: real.peerUrl, byOwner: true, groups: 'test.*' });
    expect(rec?.remoteGroups).toBeUndefined();
    expect(rec?.key).toBe((await api<{ key: string }>(real, 'GET', '/api/node')).data.key);
    // The squatter's token is gone with its record.
    expect((await squatter.ihave(['<s@x>'])).status).toBe(401);

    // Another node under the same name, now that the owner confirmed the real one: refused.
    const twin = await startGossipNode({ name: 'sq-real' });
    nodes.push(twin);
    const refused = await api<ErrorBody>(x, 'POST', '/api/peers', { url: twin.peerUrl });
    expect(refused.status).toBe(409);
    expect(refused.data.error.message).toMatch(/already known here with key .*remove it first \(newsmesh peers remove sq-real\)/);
    expect((await record(x, 'sq-real'))?.url).toBe(real.peerUrl);
    // The twin never got a token from x's hello: x refused before greeting it.
    expect(await record(twin, 'sq-x')).toBeUndefined();
  });

  it('does not dial private addresses named by strangers, unless allowed or it listens there itself', async () => {
    // Listening on every interface puts this node in no address class of its own.
    const wild = await startGossipNode({ name: 'addr-wild', listen: '0.0.0.0:0' });
    const allowed = await startGossipNode({ name: 'addr-allowed', listen: '0.0.0.0:0', allowPrivatePeers: true });
    const local = await startGossipNode({ name: 'addr-local' });
    nodes.push(wild, allowed, local);
    const at = (n: TestNode) => n.peerUrl.replace('0.0.0.0', '127.0.0.1');
    const cases: [string, RegExp][] = [
      ['http://127.0.0.1:9', /loopback/],
      ['http://localhost:9', /loopback address \(localhost resolves to/],
      ['http://[::1]:9', /loopback/],
      ['http://10.1.2.3:9119', /private/],
      ['http://192.168.1.20:9119', /private/],
      ['http://[::ffff:172.16.0.1]:9119', /private/],
      ['http://[fd12::1]:9119', /private/],
      ['http://169.254.169.254', /link-local/],
      ['http://[fe80::1]:9119', /link-local/],
      ['http://100.64.0.7:9119', /cgnat/],
      ['http://0.0.0.0:9119', /unspecified/],
      ['http://224.0.0.1:9119', /multicast/],
    ];
    for (const [url, why] of cases) {
      const res = await new PeerClient(at(wild), { name: `s-${cases.findIndex((c) => c[0] === url)}`, url }).hello();
      expect([url, res.status]).toEqual([url, 403]);
      expect(errorOf(res.body).message).toMatch(why);
      expect(errorOf(res.body).message).toMatch(/--allow-private-peers/);
    }
    expect(await peers(wild)).toEqual([]);
    for (const [url] of cases.slice(0, 4)) {
      expect((await new PeerClient(at(allowed), { name: `a-${cases.findIndex((c) => c[0] === url)}`, url }).hello()).status).toBe(200);
    }
    // A node on 127.0.0.1 peers with strangers on loopback (tests, one machine), not on a LAN.
    expect((await new PeerClient(local.peerUrl, { name: 'lo', url: 'http://127.0.0.2:9' }).hello()).status).toBe(200);
    expect((await new PeerClient(local.peerUrl, { name: 'lan', url: 'http://10.0.0.2:9' }).hello()).status).toBe(403);
    // The owner's own add of a loopback URL is never restricted.
    expect(await addPeer(wild, { peerUrl: at(allowed) })).toMatchObject({ name: 'addr-allowed', state: 'up' });
  });

  it('rate limits challenges and hellos per address, with a growing wait', async () => {
    const clock = new ManualClock();
    const x = await startGossipNode({ name: 'rl-x' }, { helloLimit: { burst: 4, perMinute: 6, penaltyBaseMs: 1_000, penaltyCapMs: 600_000, maxAddresses: 100 } }, { clock });
    nodes.push(x);
    const peer = new PeerClient(x.peerUrl, { name: 'eager' });
    expect((await peer.hello({ over: { time: clock.now() } })).status).toBe(200); // 2 of 4
    expect((await peer.challenge()).status).toBe(200);
    expect((await peer.challenge()).status).toBe(200);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await peer.challenge();
      expect(res.status).toBe(429);
      expect(errorOf(res.body).code).toBe('NM_ERR_RATE_LIMIT');
      waits.push(Number(res.headers.get('retry-after')));
    }
    expect(waits[0]).toBeGreaterThanOrEqual(10);
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect(waits[2]).toBeGreaterThan(waits[1]);
    clock.advance(waits[2] * 1000);
    expect((await peer.hello({ over: { time: clock.now() } })).status).toBe(200);
  });
});
