/**
 * Signed articles end to end (issue 12, parts 1 and 2): the owner's posts and imports are
 * signed with the node key; forged copies (body, subject, key changed) are refused over the
 * peer wire and on import with NM_ERR_BAD_SIGNATURE; unsigned articles are taken and shown as
 * unsigned; the signature crosses gossip (3 nodes), a mirror and export -> import (JSONL and
 * mbox) unchanged; each id is verified once; the pages show the signer.
 */
import { articleSigner } from '../../node/identity/article-signing';
import { MboxReader, parseMboxMessage } from '../../protocol/mbox';
import type { SignedBy } from '../../protocol/api';
import { waitForJob } from '../helpers/mirror';
import { makeArticle, type TestNode } from '../helpers/node';
import { PeerClient } from '../helpers/peer-client';
import { addPeer, api, destroyAll, has, post, TEST_GOSSIP, waitFor } from './gossip-harness';
import { gossipPart } from '../../node/gossip/gossip-part';
import { mirrorPart } from '../../node/mirror/mirror-part';
import { readingPartFactory } from '../../node/reading/reading-part';
import { webPart } from '../../web/part';
import { startTestNode } from '../helpers/node';

/** A node with the pages, mirror and reading parts, and gossip that reacts fast. */
const startNode = (name: string) => startTestNode({ name }, { parts: [gossipPart(TEST_GOSSIP), mirrorPart, readingPartFactory, webPart] });

type Stored = { id: string; subject: string; body: string; signature?: string; signer?: string; signedBy: SignedBy | null };
type Results = { results: { id: string; status: string; reason?: string; code?: string }[] };

const article = async (n: TestNode, id: string) => (await api<Stored>(n, 'GET', `/api/articles/${encodeURIComponent(id)}`)).data;
const nodeKey = async (n: TestNode) => (await api<{ key: string; fingerprint: string }>(n, 'GET', '/api/node')).data;
const page = async (n: TestNode, id: string, query = '') => (await fetch(`${n.webUrl}/a/${encodeURIComponent(id)}${query}`)).text();
const verified = (n: TestNode) => n.components.signatures.verified;

describe('signed articles', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  const extra: TestNode[] = [];
  beforeAll(async () => {
    [a, b, c] = await Promise.all([startNode('alpha'), startNode('beta'), startNode('gamma')]);
    // A line: alpha - beta - gamma (gamma is not alpha's peer).
    await addPeer(a, b);
    await addPeer(b, c);
  });
  afterAll(() => destroyAll([a, b, c, ...extra]));

  let first = '';
  it('signs a local post with the node key and says so in GET /api/articles/ID', async () => {
    const id = (first = await post(a, 'test.sig', 'signed by alpha'));
    const got = await article(a, id);
    const key = await nodeKey(a);
    expect(got.signer).toBe(key.key);
    expect(got.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(got.signedBy).toEqual({ fingerprint: key.fingerprint, name: 'alpha', peer: false, self: true });
    // The owner's own posts are signed, never verified.
    expect(verified(a)).toBe(0);
  });

  it('carries the signature unchanged across three nodes; each verifies it once', async () => {
    await waitFor('the first post on gamma', () => has(c, first), 15_000);
    const before = [verified(b), verified(c)];
    const id = await post(a, 'test.sig', 'travels');
    await waitFor('on gamma', () => has(c, id), 15_000);
    const [onA, onB, onC] = await Promise.all([article(a, id), article(b, id), article(c, id)]);
    const key = await nodeKey(a);
    for (const x of [onB, onC]) expect([x.signature, x.signer]).toEqual([onA.signature, onA.signer]);
    expect(onB.signedBy).toEqual({ fingerprint: key.fingerprint, name: 'alpha', peer: true, self: false });
    expect(onC.signedBy).toEqual({ fingerprint: key.fingerprint, peer: false, self: false });
    expect([verified(b) - before[0], verified(c) - before[1]]).toEqual([1, 1]);
  });

  it('refuses forged copies over the peer wire with a reason code, takes unsigned ones as unsigned', async () => {
    const feeder = await PeerClient.connect(b.peerUrl, { name: 'feeder' });
    const signer = articleSigner(feeder.key);
    const stranger = articleSigner((await PeerClient.connect(b.peerUrl, { name: 'other' })).key);
    const sign = (x: Record<string, unknown>, s = signer): Record<string, unknown> => ({ ...x, ...s.sign(x as never) });
    const good = sign(makeArticle({ newsgroups: ['test.sig'] }, 1));
    const body = { ...sign(makeArticle({ newsgroups: ['test.sig'] }, 2)), body: 'changed after signing\n' };
    const subject = { ...sign(makeArticle({ newsgroups: ['test.sig'] }, 3)), subject: 'changed subject' };
    // Signed by a stranger's key but naming the feeder's as signer.
    const wrongKey = { ...sign(makeArticle({ newsgroups: ['test.sig'] }, 4), stranger), signer: signer.key };
    const lone = { ...makeArticle({ newsgroups: ['test.sig'] }, 5), signature: signer.sign(makeArticle() as never).signature };
    const unsigned = makeArticle({ newsgroups: ['test.sig'] }, 6);
    const before = verified(b);
    const res = await feeder.takethis([good, body, subject, wrongKey, lone, unsigned]);
    expect(res.status).toBe(200);
    const r = (res.body as Results).results;
    expect(r.map((x) => x.status)).toEqual(['accepted', 'rejected', 'rejected', 'rejected', 'rejected', 'accepted']);
    for (const x of r.slice(1, 4)) {
      expect(x.code).toBe('NM_ERR_BAD_SIGNATURE');
      expect(x.reason).toMatch(/^signature: does not verify/);
    }
    expect(r[4].reason).toMatch(/^signer: /);
    // Four signed articles went to the pool (the lone signature never did).
    expect(verified(b) - before).toBe(4);
    expect((await article(b, good.id as string)).signedBy).toEqual({ fingerprint: expect.any(String), name: 'feeder', peer: true, self: false });
    const plain = await article(b, unsigned.id as string);
    expect(plain.signedBy).toBeNull();
    expect(plain.signature).toBeUndefined();
    for (const x of [body, subject, wrongKey] as Record<string, unknown>[]) expect((await api(b, 'GET', `/api/articles/${encodeURIComponent(x.id as string)}`)).status).toBe(404);

    // A second copy of a held id (another peer, the same batch twice) is not verified again.
    const again = verified(b);
    const second = await PeerClient.connect(b.peerUrl, { name: 'second' });
    const dup = await second.takethis([good, good]);
    expect((dup.body as Results).results.map((x) => x.status)).toEqual(['duplicate', 'duplicate']);
    expect(verified(b)).toBe(again);
  });

  it('shows the signer on the thread page and the one-article view, or "unsigned"', async () => {
    const id = await post(a, 'test.sig', 'look at the signer');
    await waitFor('on beta', () => has(b, id), 15_000);
    const key = await nodeKey(a);
    for (const q of ['', '?view=article']) {
      const html = await page(b, id, q);
      expect(html).toContain(`<p class="signer signed peer" data-signer="${key.fingerprint}">Signed by <b>alpha</b>, one of this node's peers · key <code class="fingerprint">${key.fingerprint}</code></p>`);
    }
    await waitFor('on gamma', () => has(c, id), 15_000);
    for (const q of ['', '?view=article']) expect(await page(c, id, q)).toContain(`Signed by a node that is not one of this node's peers · key <code class="fingerprint">${key.fingerprint}</code>`);
    expect(await page(a, id)).toContain('Signed by this node (<b>alpha</b>)');
    const feeder = await PeerClient.connect(b.peerUrl, { name: 'plain' });
    const unsigned = makeArticle({ newsgroups: ['test.sig'] }, 7);
    await feeder.takethis([unsigned]);
    for (const q of ['', '?view=article']) expect(await page(b, unsigned.id as string, q)).toContain('<p class="signer unsigned"');
  });

  it('keeps the signature through a mirror', async () => {
    const sink = await startNode('sink');
    extra.push(sink);
    const ids = [await post(a, 'test.mir', 'one'), await post(a, 'test.mir', 'two')];
    const job = await api<{ id: string }>(sink, 'POST', '/api/mirrors', { peer: a.peerUrl, group: 'test.mir' });
    await waitForJob(sink.webUrl, job.data.id, (j) => j.state === 'done');
    for (const id of ids) {
      const [src, got] = await Promise.all([article(a, id), article(sink, id)]);
      expect([got.signature, got.signer]).toEqual([src.signature, src.signer]);
    }
    expect(verified(sink)).toBe(2);
  });

  it('keeps it through export -> import (JSONL and mbox), refuses forged imports, signs unsigned ones', async () => {
    const target = await startNode('target');
    extra.push(target);
    const ids = [await post(a, 'test.exp', 'exported one'), await post(a, 'test.exp', 'exported two\nwith From lines\nFrom here\n')];
    const jsonl = await (await fetch(`${a.webUrl}/api/groups/test.exp/export?format=jsonl`)).text();
    const lines = jsonl.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => typeof l.signature === 'string' && typeof l.signer === 'string')).toBe(true);

    const forged = [{ ...lines[0], body: 'forged body\n' }, { ...lines[1], subject: 'forged subject' }];
    const bad = await api<{ added: number; rejected: number; problems: { id: string; reason: string }[] }>(target, 'POST', '/api/import', { articles: forged });
    expect(bad.status).toBe(200);
    expect(bad.data).toMatchObject({ added: 0, rejected: 2 });
    expect(bad.data.problems.map((p) => p.reason)).toEqual([expect.stringMatching(/^signature: does not verify/), expect.stringMatching(/^signature: does not verify/)]);

    const ok = await api<{ added: number }>(target, 'POST', '/api/import', { articles: lines });
    expect(ok.data.added).toBe(2);
    for (const id of ids) {
      const [src, got] = await Promise.all([article(a, id), article(target, id)]);
      expect([got.signature, got.signer]).toEqual([src.signature, src.signer]);
    }

    // mbox: the fields ride in headers and read back the same.
    const mbox = await (await fetch(`${a.webUrl}/api/groups/test.exp/export?format=mbox`)).text();
    expect(mbox).toContain(`X-Newsmesh-Signature: ${lines[0].signature as string}`);
    expect(mbox).toContain(`X-Newsmesh-Signer: ${lines[0].signer as string}`);
    const reader = new MboxReader();
    reader.pushBytes(Buffer.from(mbox, 'utf8'));
    const parsed: Record<string, unknown>[] = [];
    for (const item of [...reader.take(), ...reader.end()]) {
      if (!item.ok) throw new Error(item.reason);
      const r = await parseMboxMessage(item.raw);
      if (!r.ok) throw new Error(r.reason);
      parsed.push(r.article);
    }
    const fresh = await startNode('fresh');
    extra.push(fresh);
    const viaMbox = await api<{ added: number; rejected: number }>(fresh, 'POST', '/api/import', { articles: [...parsed, { ...parsed[0], id: '<other@x>', signature: parsed[1].signature }] });
    expect(viaMbox.data).toMatchObject({ added: 2, rejected: 1 });
    for (const id of ids) expect((await article(fresh, id)).signature).toBe((await article(a, id)).signature);

    // An unsigned article the owner imports is signed by the importing node.
    const plain = makeArticle({ newsgroups: ['test.exp'] }, 8);
    expect((await api<{ added: number }>(fresh, 'POST', '/api/import', { articles: [plain] })).data.added).toBe(1);
    const key = await nodeKey(fresh);
    expect((await article(fresh, plain.id as string)).signedBy).toEqual({ fingerprint: key.fingerprint, name: 'fresh', peer: false, self: true });
  });
});
