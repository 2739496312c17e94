/**
 * The security bench's socket-level attacks: a hostile peer that peers with the victim under
 * its own key and answers every IHAVE and TAKETHIS the victim sends it with an endless body,
 * and slowloris sockets that send their headers, or a body, a byte a second. Both are bounded
 * (bytes per answer, sockets, reopenings, time) and record how the victim cut them off.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { generateNodeKey } from '../../node/identity/node-key';
import { signChallenge, signHelloReply } from '../../node/identity/key-proof';
import type { AttackContext } from './security-attacks';
import { clientFrom, paced, pause, Stranger } from './security-client';

/** Most bytes the hostile peer writes into one answer (the victim should stop reading far sooner). */
const ENDLESS_CAP = 256 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

async function smallJson(req: IncomingMessage): Promise<Record<string, string>> {
  let text = '';
  for await (const c of req) {
    text += c;
    if (text.length > 64 * 1024) break;
  }
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Starts the hostile peer's server on 127.0.0.4 and greets the victim from there; `run` keeps greeting (each hello ends the victim's back-off). */
export async function hostilePeer(ctx: AttackContext): Promise<{ run: () => Promise<void>; close: () => Promise<void> }> {
  const key = generateNodeKey();
  const name = 'hostile';
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/v1/challenge' || path === '/v1/hello') {
      void smallJson(req).then((b) => {
        const challenge = b.challenge ?? randomBytes(32).toString('base64url');
        const reply =
          path === '/v1/challenge'
            ? { challenge, name, version: 1, key: key.key, sig: signChallenge(key, { nonce: b.nonce ?? '', challenge, name, key: key.key }) }
            : (() => {
                const token = randomBytes(24).toString('base64url');
                return { name, version: 1, token, state: 'up', key: key.key, sig: signHelloReply(key, { nonce: b.nonce ?? '', challenge, name, key: key.key, token, state: 'up' }) };
              })();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      });
      return;
    }
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"ok":true,"name":"${name}"}`);
    // IHAVE, TAKETHIS and anything else: a 200 whose body never ends.
    ctx.tally.add('hostilePeer', `endless answers to ${path}`);
    let sent = 0;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"sendme":["');
    const pump = (): void => {
      while (sent < ENDLESS_CAP && Date.now() < ctx.until && !res.destroyed) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      res.end('"]}');
    };
    res.on('close', () => {
      ctx.tally.peak('hostilePeer', 'most bytes written into one answer before the victim hung up', sent);
      ctx.tally.add('hostilePeer', sent >= ENDLESS_CAP ? 'answers read to the attacker cap (256 MiB)' : 'answers cut off by the victim');
    });
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.4', r));
  const url = `http://127.0.0.4:${(server.address() as AddressInfo).port}`;
  const agent = clientFrom('127.0.0.4');
  const me = new Stranger(agent, ctx.victimPeer, name, url, undefined, key);
  const first = await me.hello();
  if (first.status !== 200) throw new Error(`the hostile peer could not peer: ${first.status} ${first.text}`);
  return {
    run: async () => {
      await paced(ctx.until, 4_000, 20, async () => ctx.tally.add('hostilePeer', `hello again:${(await me.hello()).status}`));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await agent.close();
    },
  };
}

type SlowKind = 'headers' | 'body';

/** One slow socket: resolves with how long it was held and whether the victim closed it. */
function slowSocket(base: string, kind: SlowKind, until: number): Promise<{ heldMs: number; byVictim: boolean }> {
  const { hostname, port } = new URL(base);
  const s = connect({ host: hostname, port: Number(port), localAddress: '127.0.0.9' });
  const t0 = Date.now();
  let ours = false;
  s.setNoDelay(true);
  s.on('error', () => undefined);
  s.on('connect', () => {
    if (kind === 'headers') s.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Slow: `);
    else s.write(`POST /v1/sendme HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"ids":["`);
  });
  const tick = setInterval(() => {
    if (Date.now() >= until) {
      ours = true;
      s.destroy();
    } else if (s.writable) s.write('a');
  }, 1_000);
  return new Promise((resolve) => {
    s.on('close', () => {
      clearInterval(tick);
      resolve({ heldMs: Date.now() - t0, byVictim: !ours });
    });
  });
}

/** `perKind` slow sockets of each kind on each listener, each reopened when the victim closes it. */
export async function slowloris(ctx: AttackContext, perKind = 40, maxOpens = 2_000): Promise<void> {
  let opens = 0;
  const held: Record<string, number[]> = {};
  const slot = async (base: string, tag: string, kind: SlowKind) => {
    while (Date.now() < ctx.until && opens < maxOpens) {
      opens++;
      const r = await slowSocket(base, kind, ctx.until);
      if (!r.byVictim) {
        ctx.tally.add('slowloris', `${tag} ${kind}: still held when the attack ended`);
        break;
      }
      (held[`${tag} ${kind}`] ??= []).push(r.heldMs);
      await pause(250); // bounded reopening, even when refused at once
    }
  };
  const slots: Promise<void>[] = [];
  for (const [base, tag] of [
    [ctx.victimPeer, 'peer listener'],
    [ctx.victimWeb, 'web listener'],
  ] as const) {
    for (const kind of ['headers', 'body'] as const) for (let i = 0; i < perKind; i++) slots.push(slot(base, tag, kind));
  }
  await Promise.all(slots);
  ctx.tally.add('slowloris', 'sockets opened', opens);
  for (const [what, ms] of Object.entries(held)) {
    ms.sort((a, b) => a - b);
    ctx.tally.add('slowloris', `${what}: closed by the victim`, ms.length);
    ctx.tally.peak('slowloris', `${what}: median ms held`, ms[Math.floor(ms.length / 2)]);
    ctx.tally.peak('slowloris', `${what}: longest ms held`, ms[ms.length - 1]);
  }
}
