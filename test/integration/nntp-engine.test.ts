/**
 * The NNTP session engine over real TCP, with a command table made for the test: replies stay
 * in command order however commands finish (concurrent ones overlap, ordinary ones run one at
 * a time), ready replies go out together, command lines are capped, idle sessions are closed,
 * connections are capped per address, and a client that does not read stops being read.
 */
import { connect, type Socket } from 'node:net';
import { systemClock } from '../../node/clock';
import { silentLogger } from '../../node/logger';
import { DEFAULT_NNTP_SERVER_INIT, NntpServer, type NntpServerInit } from '../../node/nntp/server';
import type { CommandSpec, Session } from '../../node/nntp/session';
import { NntpClient } from '../../node/nntp/client';
import { waitFor } from '../helpers/wait';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Holds HOLD's answers until released. */
const gate = { open: Promise.resolve(), release: () => undefined as void };
function closeGate(): void {
  gate.open = new Promise<void>((r) => (gate.release = r));
}

function table(log: string[]): Map<string, CommandSpec> {
  return new Map<string, CommandSpec>([
    // HOLD: a concurrent command with a block (like TAKETHIS) that answers when the gate opens.
    ['HOLD', { concurrent: true, withBlock: async (_c, r) => { await gate.open; return `239 ${'block' in r ? r.block.length : 'too large'}\r\n`; } }],
    // SLOW n: an ordinary command that takes n ms.
    ['SLOW', { run: async ({ args }) => { log.push(`start ${args[0]}`); await tick(Number(args[0])); log.push(`end ${args[0]}`); return `200 slow ${args[0]}\r\n`; } }],
    // FAST n: a concurrent command that takes n ms.
    ['FAST', { concurrent: true, run: async ({ args }) => { await tick(Number(args[0])); return `200 fast ${args[0]}\r\n`; } }],
    ['ECHO', { run: ({ args }) => `200 ${args.join(' ')}\r\n` }],
    ['BIG', { run: () => ({ stream: async (emit) => { await emit('200 big\r\n'); for (let i = 0; i < 100; i++) await emit(`${'x'.repeat(10_000)}\r\n`); await emit('.\r\n'); } }) }],
    ['QUIT', { access: 'any', run: () => ({ close: '205 bye\r\n' }) }],
  ]);
}

async function startServer(init: Partial<NntpServerInit> = {}) {
  const log: string[] = [];
  const sessions: Session[] = [];
  const server = new NntpServer({ clock: systemClock, logger: silentLogger() }, { ...DEFAULT_NNTP_SERVER_INIT, ...init }, {
    table: () => table(log),
    mayRead: () => true,
    open: async (s) => {
      sessions.push(s);
      return '200 test ready\r\n';
    },
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  const port = Number(url.split(':').pop());
  return { server, port, log, sessions };
}

/** A raw socket that collects everything the server sends. */
function raw(port: number): Promise<{ socket: Socket; text: () => string; chunks: number }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const state = { socket: connect(port, '127.0.0.1'), text: () => data, chunks: 0 };
    state.socket.on('data', (d) => {
      data += d;
      state.chunks++;
    });
    state.socket.once('connect', () => resolve(state));
    state.socket.once('error', reject);
  });
}

describe('NNTP session engine', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  afterEach(() => s.server.close());

  it('answers pipelined commands in order while concurrent ones overlap and ordinary ones run one at a time', async () => {
    s = await startServer();
    const c = await NntpClient.connect({ host: '127.0.0.1', port: s.port });
    const replies = await Promise.all(c.writeMany('FAST 60\r\nFAST 1\r\nSLOW 30\r\nSLOW 1\r\nECHO a b\r\nFAST 5\r\n', ['FAST', 'FAST', 'SLOW', 'SLOW', 'ECHO', 'FAST']));
    expect(replies.map((r) => r.text)).toEqual(['fast 60', 'fast 1', 'slow 30', 'slow 1', 'a b', 'fast 5']);
    // The second SLOW started only after the first ended.
    expect(s.log).toEqual(['start 30', 'end 30', 'start 1', 'end 1']);
    await c.quit();
  });

  it('sends replies that are ready together in one write', async () => {
    s = await startServer();
    const r = await raw(s.port);
    await waitFor('greeting', () => r.text().includes('ready'), 5000);
    const before = r.chunks;
    r.socket.write('ECHO 1\r\nECHO 2\r\nECHO 3\r\nECHO 4\r\n');
    await waitFor('replies', () => r.text().includes('200 4'), 5000);
    expect(r.chunks - before).toBe(1);
    r.socket.destroy();
  });

  it('caps command lines, ignores blank lines and answers unknown commands', async () => {
    s = await startServer();
    const c = await NntpClient.connect({ host: '127.0.0.1', port: s.port });
    const [long, blankThenEcho, unknown] = await Promise.all(c.writeMany(`ECHO ${'a'.repeat(600)}\r\n\r\nECHO ok\r\nNOPE\r\n`, ['ECHO', 'ECHO', 'NOPE']));
    expect(long.code).toBe(501);
    expect(blankThenEcho.text).toBe('ok');
    expect(unknown.code).toBe(500);
    await c.quit();
  });

  it('closes idle sessions but not busy ones', async () => {
    s = await startServer({ idleMs: 150 });
    const idle = await raw(s.port);
    let closed = false;
    idle.socket.on('close', () => (closed = true));
    await waitFor('the idle session to close', () => closed, 5000);
    expect(idle.text()).toMatch(/^200 test ready\r\n400 idle/);
    // A session that keeps talking stays.
    const c = await NntpClient.connect({ host: '127.0.0.1', port: s.port });
    for (let i = 0; i < 6; i++) {
      expect((await c.command('SLOW 60')).code).toBe(200);
    }
    expect(c.closed).toBe(false);
    await c.quit();
  });

  it('refuses connections past the per-address cap with 400', async () => {
    s = await startServer({ maxPerAddress: 2 });
    const a = await NntpClient.connect({ host: '127.0.0.1', port: s.port });
    const b = await NntpClient.connect({ host: '127.0.0.1', port: s.port });
    const third = await raw(s.port);
    await waitFor('the refusal', () => third.text().length > 0, 5000);
    expect(third.text()).toMatch(/^400 too many connections from 127\.0\.0\.1/);
    await a.quit();
    await waitFor('the slot to free', () => s.server.connections === 1, 5000);
    const again = await NntpClient.connect({ host: '127.0.0.1', port: s.port });
    expect(again.greeting.code).toBe(200);
    await Promise.all([b.quit(), again.quit()]);
  });

  it('stops reading a client that does not read its replies, and resumes when it does', async () => {
    s = await startServer({ writeHighWater: 256 * 1024, maxPending: 64 });
    const r = await raw(s.port);
    await waitFor('the session', () => s.sessions.length === 1, 5000);
    r.socket.pause(); // a client that does not read
    const lines = 40_000;
    r.socket.write(`ECHO ${'y'.repeat(120)}\r\n`.repeat(lines));
    const session = s.sessions[0];
    await waitFor('the server to stop reading', () => session.socket.isPaused(), 5000);
    // Nearly 5 MB of replies were asked for; the server holds a bounded part of them.
    expect(session.socket.writableLength).toBeLessThan(512 * 1024);
    r.socket.resume();
    await waitFor('every reply', () => (r.text().match(/^200 y/gm) ?? []).length === lines, 20_000);
    r.socket.destroy();
  });

  it('stops reading while too many bytes of articles wait for their answer', async () => {
    s = await startServer({ maxBlockBytesInFlight: 300_000 });
    closeGate();
    const r = await raw(s.port);
    await waitFor('the session', () => s.sessions.length === 1, 5000);
    const article = `${'z'.repeat(998)}\r\n`.repeat(100); // 100 KB
    r.socket.write(`HOLD\r\n${article}.\r\n`.repeat(20));
    const session = s.sessions[0];
    await waitFor('the server to stop reading', () => session.socket.isPaused(), 5000);
    expect(session.socket.bytesRead).toBeLessThan(1_200_000);
    gate.release();
    await waitFor('every answer', () => (r.text().match(/^239 /gm) ?? []).length === 20, 20_000);
    r.socket.destroy();
  });

  it('produces a long reply piece by piece, in order with the others', async () => {
    s = await startServer();
    const r = await raw(s.port);
    r.socket.write('ECHO a\r\nBIG\r\nECHO b\r\n');
    await waitFor('all three replies', () => r.text().endsWith('200 b\r\n'), 5000);
    const text = r.text();
    expect(text.indexOf('200 a')).toBeLessThan(text.indexOf('200 big'));
    expect(text.length).toBeGreaterThan(1_000_000);
    r.socket.destroy();
  });
});
