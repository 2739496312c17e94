/**
 * The attacks of issue 9, each from its own loopback source address, bounded in rate, count
 * and time (they stop at `until`), run at once by the attacker process (security-attacker.ts)
 * against a victim node. Each records its outcomes in the tally; anything that a correct node
 * must never allow is counted under `forged` (an article it should have refused was accepted)
 * or `ownerActions` (a foreign page's change or read went through).
 */
import { Readable } from 'node:stream';
import { WORST_FILTERS } from './filter-routing';
import { article, clientFrom, json, paced, pause, send, Stranger, type Answer, type Call, type Tally } from './security-client';

export interface AttackPlan {
  victimWeb: string;
  victimPeer: string;
  victimName: string;
  password: string;
  honest: { name: string; url: string; key: string };
  /** How long the attacks run once the attacker is set up. */
  durationMs: number;
}

export interface AttackContext extends AttackPlan {
  tally: Tally;
  /** Epoch ms at which every attack stops. */
  until: number;
  /** Ids of articles the attacks tried to slip in (checked on the victim afterwards). */
  forgedIds: string[];
  /** Honest ids whose mark the offer-only stranger got first (it won the race to offer). */
  teaserFirst: string[];
}

/** The URL a foreign page tries to make the victim peer with or mirror from. */
export const FOREIGN_PEER = 'http://127.0.0.66:1';
export const FOREIGN_SUBJECT = 'foreign page post';

const accepted = (res: Answer) => res.status === 200 && (JSON.parse(res.text) as { results: { status: string }[] }).results.some((r) => r.status === 'accepted');

/** Hellos that claim the honest peer's name at its URL: without a key, with another key, with a borrowed key and a wrong signature. */
export async function takeover(ctx: AttackContext): Promise<void> {
  const agent = clientFrom('127.0.0.2');
  const { honest } = ctx;
  const variants = ['no-key', 'no-key+bearer', 'own-key', 'own-key+bearer', 'honest-key-wrong-sig'] as const;
  await paced(ctx.until, 250, 400, async (i) => {
    const v = variants[i % variants.length];
    const bearer = v.endsWith('+bearer') ? `Bearer guessed-token-${i}-0123456789` : undefined;
    let res: Answer;
    let s: Stranger | undefined;
    if (v.startsWith('no-key')) {
      res = await send(agent, ctx.victimPeer, { method: 'POST', path: '/v1/hello', ...json({ name: honest.name, url: honest.url, version: 1 }, bearer ? { authorization: bearer } : {}) });
    } else {
      s = new Stranger(agent, ctx.victimPeer, honest.name, honest.url);
      res = await s.hello(v === 'honest-key-wrong-sig' ? { key: honest.key } : {}, bearer);
    }
    ctx.tally.add('takeover', `${v}:${res.status}`);
    if (res.status === 200 && s) {
      // A token: use it the way the attack of old did.
      ctx.tally.add('takeover', 'TOKEN GIVEN');
      const id = `<forged.${i}.${Date.now()}@${honest.name}>`;
      ctx.forgedIds.push(id);
      if (accepted(await s.takethis([article(id, { path: [honest.name], from: `${honest.name}@example` })]))) ctx.tally.add('forged', 'via a taken-over link');
    }
  });
  await agent.close();
}

/** Hellos whose group filters are built to be slow (within the caps) or too big (past them). */
export async function wildmat(ctx: AttackContext): Promise<void> {
  const agent = clientFrom('127.0.0.3');
  const patterns: [string, string][] = [
    ...Object.entries(WORST_FILTERS),
    ['dozen-stars', `${'*a'.repeat(12)}*b`],
    ['over-chars', 'a*'.repeat(1100)],
    ['over-items', Array.from({ length: 101 }, (_, i) => `x${i}.*`).join(',')],
  ];
  await paced(ctx.until, 1000, 60, async (i) => {
    const [tag, groups] = patterns[i % patterns.length];
    const res = await new Stranger(agent, ctx.victimPeer, `wildmat-${i}`, `http://127.0.0.3:9/wildmat-${i}`, groups).hello();
    ctx.tally.add('wildmat', `${tag}:${res.status}`);
  });
  await agent.close();
}

/** Requests a foreign page (or a DNS-rebinding one) could make the owner's browser send, with its cached Basic credentials. */
export async function ownerRoutes(ctx: AttackContext): Promise<void> {
  const agent = clientFrom('127.0.0.1');
  const auth = { authorization: `Basic ${Buffer.from(`owner:${ctx.password}`).toString('base64')}` };
  const port = new URL(ctx.victimWeb).port;
  const cross = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' };
  const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, 'sec-fetch-site': 'same-origin' };
  const post = JSON.stringify({ newsgroups: ['bench.foreign'], from: 'page@evil.example', subject: FOREIGN_SUBJECT, body: 'x' });
  const text = { 'content-type': 'text/plain;charset=UTF-8' };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const h = ctx.honest.name;
  const variants: [string, Call][] = [
    ['cross-site text/plain post', { method: 'POST', path: '/api/articles', headers: { ...cross, ...text }, body: post }],
    ['text/plain post, no Origin', { method: 'POST', path: '/api/articles', headers: text, body: post }],
    ['bodiless cross-site approve', { method: 'POST', path: `/api/peers/${h}/approve`, headers: cross }],
    ['bodiless cross-site delete', { method: 'DELETE', path: `/api/peers/${h}`, headers: cross }],
    ['bodiless delete, no Origin', { method: 'DELETE', path: `/api/peers/${h}` }],
    ['percent-encoded delete', { method: 'DELETE', path: `/%61pi/peers/${h}`, headers: text }],
    ['percent-encoded post', { method: 'POST', path: '/%61pi/articles', headers: text, body: post }],
    ['text/plain add peer', { method: 'POST', path: '/api/peers', headers: text, body: JSON.stringify({ url: FOREIGN_PEER }) }],
    ['text/plain mirror', { method: 'POST', path: '/api/mirrors', headers: text, body: JSON.stringify({ peer: FOREIGN_PEER, group: 'bench.foreign' }) }],
    ['multipart post', { method: 'POST', path: '/api/articles', headers: { ...cross, 'content-type': 'multipart/form-data; boundary=x' }, body: `--x\r\nContent-Disposition: form-data; name="subject"\r\n\r\n${FOREIGN_SUBJECT}\r\n--x--\r\n` }],
    ['form remove, cross-site', { method: 'POST', path: `/peers/${h}/remove`, headers: { ...cross, ...form }, body: '' }],
    ['form remove, guessed token', { method: 'POST', path: `/peers/${h}/remove`, headers: form, body: '_csrf=guess' }],
    ['form add peer, no token', { method: 'POST', path: '/peers', headers: form, body: `url=${encodeURIComponent(FOREIGN_PEER)}` }],
    ['form new thread, no token', { method: 'POST', path: '/g/bench.foreign/new', headers: form, body: `from=page&subject=${encodeURIComponent(FOREIGN_SUBJECT)}&body=x` }],
    ['rebinding JSON post', { method: 'POST', path: '/api/articles', headers: { ...rebound, 'content-type': 'application/json' }, body: post }],
    ['rebinding JSON delete', { method: 'DELETE', path: `/api/peers/${h}`, headers: { ...rebound, 'content-type': 'application/json' } }],
    ['rebinding read', { method: 'GET', path: '/api/peers', headers: { host: `evil.example:${port}` } }],
  ];
  await paced(ctx.until, 100, 2_000, async (i) => {
    const [name, call] = variants[i % variants.length];
    const res = await send(agent, ctx.victimWeb, { ...call, headers: { ...auth, ...call.headers } });
    ctx.tally.add('ownerRoutes', `${name}:${res.status}`);
    if (res.status >= 200 && res.status < 400) ctx.tally.add('ownerActions', name);
  });
  await agent.close();
}

/** 8 MB of nested JSON to the unauthenticated /v1/sendme (declared, and chunked), and a nested body within the route's size limit. */
export async function nestedJson(ctx: AttackContext): Promise<void> {
  const agent = clientFrom('127.0.0.10');
  const huge = Buffer.from(`{"ids":${'['.repeat(8 * 1024 * 1024)}`);
  const deep = Buffer.from(`{"ids":${'['.repeat(250_000)}${']'.repeat(250_000)}}`);
  const chunks = () => Readable.from((function* () {
    for (let at = 0; at < huge.length; at += 64 * 1024) yield huge.subarray(at, at + 64 * 1024);
  })());
  const kinds = ['8MB declared', '8MB chunked', '500KB deep'] as const;
  await paced(ctx.until, 500, 120, async (i) => {
    const kind = kinds[i % kinds.length];
    const body = kind === '8MB declared' ? huge : kind === '8MB chunked' ? chunks() : deep;
    const res = await send(agent, ctx.victimPeer, { method: 'POST', path: '/v1/sendme', headers: { 'content-type': 'application/json' }, body: body as Buffer, timeoutMs: 20_000 });
    ctx.tally.add('nestedJson', `${kind}:${res.status || res.text}`);
    ctx.tally.peak('nestedJson', `${kind} slowest answer ms`, Math.round(res.ms));
  });
  await agent.close();
}

/** Peers that send invalid copies and copies naming the victim in `path` of each honest id, and one that offers the ids again and again without ever sending them. */
export async function copies(ctx: AttackContext, peers: { invalid: Stranger; loop: Stranger; teaser: Stranger }, ids: AsyncIterable<string>): Promise<void> {
  const broken = [
    (id: string) => article(id, { date: new Date(Date.now() + 3 * 86_400_000).toISOString() }),
    (id: string) => article(id, { subject: 'two\r\nlines' }),
    (id: string) => article(id, { newsgroups: ['Not A Group!'] }),
  ];
  const running: Promise<unknown>[] = [];
  let n = 0;
  const teaseRandom = paced(ctx.until, 1000, 60, async (i) => {
    // Parks marks on ids nobody will ever send: bounded per peer by the victim.
    const res = await peers.teaser.ihave(Array.from({ length: 200 }, (_, j) => `<parked.${i}.${j}@nowhere>`));
    ctx.tally.add('copies', `park offers:${res.status}`);
  });
  for await (const id of ids) {
    if (Date.now() >= ctx.until) break;
    const k = n++;
    running.push(
      peers.invalid.takethis([broken[k % broken.length](id)]).then((res) => {
        ctx.tally.add('copies', `invalid copy:${res.status}`);
        if (accepted(res)) ctx.tally.add('forged', 'invalid copy');
      }),
      peers.loop.takethis([article(id, { path: [ctx.victimName, 'mallory'] })]).then((res) => {
        ctx.tally.add('copies', `copy naming the victim in path:${res.status}`);
        if (accepted(res)) ctx.tally.add('forged', 'copy naming the victim');
      }),
      (async () => {
        // Offers the id first (when it wins the race) and keeps re-offering it, never sending it.
        for (let r = 0; r < 16 && Date.now() < ctx.until; r++) {
          const res = await peers.teaser.ihave([id]);
          const asked = res.status === 200 && (JSON.parse(res.text) as { sendme: string[] }).sendme.length > 0;
          ctx.tally.add('copies', `${r === 0 ? 'first offer' : 're-offer'}:${asked ? 'sendme' : res.status === 200 ? 'not asked' : res.status}`);
          if (r === 0 && asked) ctx.teaserFirst.push(id);
          await pause(500);
        }
      })(),
    );
  }
  await Promise.all([...running, teaseRandom]);
}

/** Fresh keys, one hello each, from one address. */
export async function helloFlood(ctx: AttackContext): Promise<void> {
  const agent = clientFrom('127.0.0.6');
  await paced(ctx.until, 50, 600, async (i) => {
    const res = await new Stranger(agent, ctx.victimPeer, `flood-${i}`, `http://127.0.0.6:${10_000 + i}`).hello();
    ctx.tally.add('helloFlood', res.status);
  });
  await agent.close();
}

/** Wrong web passwords as fast as 20 a second. */
export async function passwords(ctx: AttackContext): Promise<void> {
  const agent = clientFrom('127.0.0.8');
  const body = JSON.stringify({ newsgroups: ['bench.foreign'], from: 'guesser@example', subject: 'guessed', body: 'x' });
  await paced(ctx.until, 50, 1_000, async (i) => {
    const res = await send(agent, ctx.victimWeb, { method: 'POST', path: '/api/articles', headers: { 'content-type': 'application/json', authorization: `Bearer guess-${i}-${'x'.repeat(8)}` }, body });
    ctx.tally.add('passwords', res.status === 401 ? 'looked at (401)' : res.status === 429 ? 'refused unread (429)' : res.status);
    if (res.status >= 200 && res.status < 400) ctx.tally.add('ownerActions', 'guessed the password');
  });
  await agent.close();
}
