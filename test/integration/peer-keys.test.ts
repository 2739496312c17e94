/**
 * Node keys in the handshake: a stranger cannot take over a known peer's link (under open,
 * approve and closed), cannot replay a hello or sign with another key, while the same key may
 * move to a new URL; records from before node keys bind a key only through the old token or
 * our own greeting; both sides of a handshake prove their keys.
 */
import { generateNodeKey } from '../../node/identity/node-key';
import type { PeerRecord } from '../../node/gossip/peer-record';
import { Store } from '../../node/store/store';
import { makeArticle, type TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { addPeer, api, destroyAll, has, peers, post, startGossipNode, waitFor } from './gossip-harness';

type ErrorBody = { error: { code: string; message: string } };

const record = async (node: TestNode, name: string) => (await node.components.store.subs.peers.get(name)) as PeerRecord | undefined;

/** What a takeover would change. */
async function linkOf(node: TestNode, name: string) {
  const r = await record(node, name);
  return r && { url: r.url, key: r.key, tokenIn: r.tokenIn, tokenOut: r.tokenOut, groups: r.groups, remoteGroups: r.remoteGroups, localOk: r.localOk, remoteOk: r.remoteOk };
}

const nodeInfo = async (node: TestNode) => (await api<{ name: string; fingerprint: string; key: string }>(node, 'GET', '/api/node')).data;

describe('node keys in the handshake', () => {
  const nodes: TestNode[] = [];
  afterAll(() => destroyAll(nodes));

  it.each(['open', 'approve', 'closed'] as const)("a stranger claiming a known peer's name at its URL gets no token and changes nothing (%s)", async (mode) => {
    const x = await startGossipNode({ name: `x-${mode}`, acceptPeers: mode });
    const r = await startGossipNode({ name: `r-${mode}` });
    nodes.push(x, r);
    await addPeer(x, r, 'test.*');
    await waitFor('link up', async () => (await peers(x))[0]?.state === 'up');
    const before = await linkOf(x, r.name);
    expect(before?.key).toBe((await nodeInfo(r)).key);

    // The attack of old: a bare hello with the peer's public name and URL, no Authorization.
    const bare = await fetch(`${x.peerUrl}/v1/hello`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: r.name, url: r.peerUrl, version: 1, token: 'attacker-token-0123456789', groups: 'attack.*' }),
    });
    const bareBody = (await bare.json()) as ErrorBody & { token?: string };
    expect(bare.status).toBe(401);
    expect(bareBody.token).toBeUndefined();
    expect(bareBody.error.code).toBe('NM_ERR_KEY_PROOF');
    expect(bareBody.error.message).toMatch(/key: .*prove a node key/);

    // The same with a valid proof of the stranger's own key: refused, naming both fingerprints.
    const stranger = new PeerClient(x.peerUrl, { name: r.name, url: r.peerUrl, token: 'attacker-token-0123456789', groups: 'attack.*' });
    const keyed = await stranger.hello();
    expect(keyed.status).toBe(409);
    expect(keyed.body).not.toHaveProperty('token');
    const err = (keyed.body as unknown as ErrorBody).error;
    expect(err.code).toBe('NM_ERR_PEER_EXISTS');
    expect(err.message).toContain((await nodeInfo(r)).fingerprint);
    expect(err.message).toContain(stranger.key.fingerprint);

    expect(await linkOf(x, r.name)).toEqual(before);
    // Its TAKETHIS, with any token it could have, is refused.
    const pushed = makeArticle({}, 1);
    for (const token of ['attacker-token-0123456789', undefined]) {
      const res = await stranger.post('/v1/takethis', { articles: [pushed] }, token && `Bearer ${token}`);
      expect(res.status).toBe(401);
    }
    expect(await has(x, pushed.id as string)).toBe(false);
    // The real link still carries articles.
    const id = await post(r, 'test.a', 'still mine');
    await waitFor('the real peer still delivers', () => has(x, id), 5_000);
  });

  it('refuses a replayed hello, a foreign challenge, another key, a wrong `to`, a far-off clock', async () => {
    const x = await startGossipNode({ name: 'x-proof' });
    nodes.push(x);
    const peer = new PeerClient(x.peerUrl, { name: 'prover' });
    const ch = await peer.challenge();
    expect(ch.status).toBe(200);
    expect(ch.proven).toBe(true);
    expect(ch.body).toMatchObject({ name: 'x-proof', key: (await nodeInfo(x)).key });

    // Without a nonce (or a body at all) the challenge comes unsigned.
    const bodiless = await fetch(`${x.peerUrl}/v1/challenge`, { method: 'POST' });
    expect(bodiless.status).toBe(200);
    expect(await bodiless.json()).not.toHaveProperty('sig');
    expect((await peer.post('/v1/challenge', { nonce: 'short' })).status).toBe(400);

    const expectProof = async (res: { status: number; body: unknown }, rule: RegExp) => {
      expect(res.status).toBe(401);
      expect((res.body as ErrorBody).error.code).toBe('NM_ERR_KEY_PROOF');
      expect((res.body as ErrorBody).error.message).toMatch(rule);
      expect(res.body).not.toHaveProperty('token');
    };
    const fresh = async () => (await peer.challenge()).body.challenge;

    const other = generateNodeKey();
    await expectProof(await peer.postHello(peer.signedHello(await fresh(), { signWith: other })), /^sig: /);
    await expectProof(await peer.postHello(peer.signedHello(await fresh(), { key: other.key })), /^sig: /);
    // A signed hello whose fields were changed afterwards.
    const altered = { ...peer.signedHello(await fresh()), groups: 'comp.*' };
    await expectProof(await peer.postHello(altered), /^sig: /);
    await expectProof(await peer.postHello(peer.signedHello('never-issued-challenge-0123456789')), /^challenge: /);
    await expectProof(await peer.postHello(peer.signedHello(await fresh(), { to: 'http://elsewhere.example:9119' })), /^to: /);
    await expectProof(await peer.postHello(peer.signedHello(await fresh(), { time: Date.now() - 25 * 3_600_000 })), /^time: /);
    await expectProof(await peer.postHello(peer.signedHello(await fresh(), { time: 8.64e15 })), /^time: /);
    expect((await peer.postHello(peer.signedHello(await fresh(), { time: 8.64e15 + 1 }))).status).toBe(400);
    // Each refused hello used up its challenge: a retry of it is refused too.
    expect(await peers(x)).toEqual([]);

    // A clock 2 h off is still fine; the reply proves the node's key over our nonce.
    const hello = peer.signedHello(await fresh(), { time: Date.now() + 2 * 3_600_000 });
    const ok = await peer.postHello(hello);
    expect(ok.status).toBe(200);
    expect(peer.replyProven).toBe(true);
    expect(ok.body.key).toBe((await nodeInfo(x)).key);
    // The same hello again: its challenge is spent.
    await expectProof(await peer.postHello(hello), /^challenge: /);
    await expectProof(await peer.postHello(hello, `Bearer ${peer.tokenOut}`), /^challenge: /);
  });

  it('accepts the same key at a new URL, without its token', async () => {
    const x = await startGossipNode({ name: 'x-move' });
    nodes.push(x);
    const first = await PeerClient.connect(x.peerUrl, { name: 'mover', url: 'http://127.0.0.1:9' });
    const token = first.tokenOut;
    const moved = new PeerClient(x.peerUrl, { name: 'mover', url: 'http://127.0.0.1:10', key: first.key, token: first.token });
    const res = await moved.hello();
    expect(res.status).toBe(200);
    expect(res.body.token).toBe(token);
    expect((await record(x, 'mover'))?.url).toBe('http://127.0.0.1:10');
    expect((await moved.takethis([makeArticle({}, 2)])).body.results[0].status).toBe('accepted');
    // A new name for a known key is refused: the owner must remove the old one first.
    const renamed = await new PeerClient(x.peerUrl, { name: 'mover2', key: first.key }).hello();
    expect(renamed.status).toBe(409);
    expect((renamed.body as unknown as ErrorBody).error.message).toMatch(/known here as peer mover/);
  });

  it('a record from before node keys binds a key only through its old token or our own greeting', async () => {
    const r = await startGossipNode({ name: 'legacy-r' });
    nodes.push(r);
    let x = await startGossipNode({ name: 'legacy-x' });
    const dir = x.dir;
    await x.close();
    // Two records as an older newsmesh wrote them: no key, no byOwner.
    const legacy = (name: string, url: string, tokenIn: string): PeerRecord => ({
      name,
      url,
      tokenIn,
      tokenOut: `${name}-out-token-0123456789`,
      localOk: true,
      remoteOk: true,
      addedAt: Date.now(),
      lastSeenAt: null,
      lastError: null,
    });
    const store = await Store.open(dir);
    await store.subs.peers.put('old-peer', legacy('old-peer', 'http://127.0.0.1:9', 'old-peer-in-token-0123456789'));
    await store.subs.peers.put('legacy-r', legacy('legacy-r', r.peerUrl, 'legacy-r-in-token-0123456789'));
    await store.close();
    x = await startGossipNode({ data: dir });
    nodes.push(x);

    // Our own greeting at the recorded URL binds the key the node there proves.
    await waitFor('legacy-r bound by our greeting', async () => (await record(x, 'legacy-r'))?.key === (await nodeInfo(r)).key, 5_000);

    // A stranger with the name and no token: refused, record untouched.
    const before = await record(x, 'old-peer');
    const stranger = await new PeerClient(x.peerUrl, { name: 'old-peer' }).hello();
    expect(stranger.status).toBe(409);
    expect((stranger.body as unknown as ErrorBody).error.message).toMatch(/from before node keys.*old bearer token/);
    expect(await record(x, 'old-peer')).toEqual(before);
    // The real one greets with its old token: its key is bound, and a later other key is refused.
    const real = new PeerClient(x.peerUrl, { name: 'old-peer', url: 'http://127.0.0.1:9' });
    const bound = await real.hello({ authorization: 'Bearer old-peer-in-token-0123456789' });
    expect(bound.status).toBe(200);
    expect(bound.body.token).toBe('old-peer-in-token-0123456789');
    expect((await record(x, 'old-peer'))?.key).toBe(real.key.key);
    const late = await new PeerClient(x.peerUrl, { name: 'old-peer' }).hello({ authorization: 'Bearer old-peer-in-token-0123456789' });
    expect(late.status).toBe(409);
  });

  it('the greeting side refuses a node at a known URL that proves another key, before sending its token', async () => {
    const x = await startGossipNode({ name: 'x-greet' });
    const r = await startGossipNode({ name: 'r-greet' });
    nodes.push(x, r);
    await addPeer(x, r);
    // x's record of r now names a key r does not hold (as if someone else answered at r's URL).
    const engine = x.components.service.peers as unknown as { table: { get(n: string): PeerRecord; put(r: PeerRecord): Promise<void> }; linkFor(n: string): { greetSoon(): void } };
    const rec = engine.table.get('r-greet');
    await engine.table.put({ ...rec, key: generateNodeKey().key, tokenIn: 'x-greet-fresh-token-0123456789' });
    engine.linkFor('r-greet').greetSoon();
    await waitFor('greeting refused', async () => /now proves key .* not r-greet's key/.test((await peers(x))[0].lastError ?? ''), 5_000);
    // r never saw the new token.
    const rOfX = await record(r, 'x-greet');
    expect(rOfX?.tokenOut).not.toBe('x-greet-fresh-token-0123456789');
  });
});
