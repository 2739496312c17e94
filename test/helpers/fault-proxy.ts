/**
 * A fault-injecting TCP proxy for one link (127.0.0.1, port 0): it forwards bytes to a target
 * port and, when a test says so, cuts the link (refusing, or stalling as a dead route does),
 * delays it, drops new connections, resets the open ones, trickles at a byte rate, or flaps
 * on a schedule. It works on bytes, so it knows nothing of HTTP: what breaks is what a real
 * network breaks. Buffers are bounded (a side that cannot write pauses the side that reads),
 * so a stalled or slow link costs a fixed amount of memory. Counters say what it did.
 *
 *   const p = await FaultProxy.start(targetPort);   // p.url: http://127.0.0.1:PORT
 *   p.cut(); ... p.heal();                           // or p.flap({ upMs: 2000, downMs: 1000 })
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { recordFaults } from './fault-figures';

/** How a cut link behaves: `refuse` resets every connection (a closed port), `stall` accepts
 * and holds bytes until healed (a route that went away: the other side sees only timeouts). */
export type CutMode = 'refuse' | 'stall';

export interface FlapPlan {
  upMs: number;
  downMs: number;
  /** How the link goes down each time; `mixed` rotates refuse, stall, and a reset on the way down. */
  mode?: CutMode | 'mixed';
}

export interface ProxyStats {
  /** Connections accepted and forwarded. */
  connections: number;
  /** Connections refused (reset at accept) while cut or by `drop`. */
  refused: number;
  /** Open connections reset by `reset()` or by going down. */
  resets: number;
  /** Times the link went down (cut, or a flap's down phase). */
  cuts: number;
  /** Bytes delivered each way. */
  bytesToTarget: number;
  bytesToClient: number;
  /** Fault events of any kind (cuts, resets, delay/trickle/drop changes), for the reports. */
  faults: number;
  /** The same events by kind (`cut-refuse`, `cut-stall`, `reset`, `delay`, `drop`, `trickle`). */
  byKind: Record<string, number>;
  /** Times a down link came back up (a heal, a flap's up phase, clear()). */
  heals: number;
}

export interface FaultProxyOptions {
  /** Bytes held per direction of one connection before its reader is paused (default 1 MiB). */
  maxBufferedBytes?: number;
}

/** A token bucket shared by every connection of one direction: the link's rate. */
class RateLimit {
  private tokens = 0;
  private at = Date.now();
  constructor(public bytesPerSec: number) {}

  /** Bytes that may go now (at most `want`), and ms until one more byte may if none. */
  take(want: number): { bytes: number; waitMs: number } {
    const now = Date.now();
    // A burst of 50 ms worth at most, so the rate holds over short windows too.
    this.tokens = Math.min(this.bytesPerSec / 20 + 1, this.tokens + ((now - this.at) / 1000) * this.bytesPerSec);
    this.at = now;
    const bytes = Math.min(want, Math.floor(this.tokens));
    if (bytes <= 0) return { bytes: 0, waitMs: Math.max(1, Math.ceil(((1 - this.tokens) / this.bytesPerSec) * 1000)) };
    this.tokens -= bytes;
    return { bytes, waitMs: 0 };
  }
}

interface Chunk {
  buf: Buffer;
  due: number;
}

/** One direction of one connection: queue, delay, rate, stall, bounded. */
class Pump {
  private queue: Chunk[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private waitingDrain = false;
  private ended = false;
  private closed = false;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly dir: 'toTarget' | 'toClient',
    private readonly max: number,
  ) {
    src.on('data', (buf: Buffer) => {
      this.queue.push({ buf, due: Date.now() + proxy.delayFor() });
      this.queued += buf.length;
      if (this.queued >= this.max) src.pause();
      this.kick();
    });
    src.on('end', () => {
      this.ended = true;
      this.kick();
    });
    dst.on('drain', () => {
      this.waitingDrain = false;
      this.kick();
    });
  }

  /** Tries to move bytes now (after a state change, new data, a drain, or a timer). */
  kick(): void {
    if (this.closed || this.timer || this.waitingDrain) return;
    while (this.queue.length > 0) {
      if (this.proxy.stalled) return; // heal() kicks every pump again
      const head = this.queue[0];
      const now = Date.now();
      if (head.due > now) return this.later(head.due - now);
      let n = head.buf.length;
      const rate = this.proxy.rateOf(this.dir);
      if (rate) {
        const got = rate.take(Math.min(n, 16 * 1024));
        if (got.bytes === 0) return this.later(got.waitMs);
        n = got.bytes;
      }
      const part = n === head.buf.length ? head.buf : head.buf.subarray(0, n);
      if (n === head.buf.length) this.queue.shift();
      else head.buf = head.buf.subarray(n);
      this.queued -= n;
      this.proxy.count(this.dir, n);
      if (this.queued < this.max / 2 && this.src.isPaused()) this.src.resume();
      if (!this.dst.write(part)) {
        this.waitingDrain = true;
        return;
      }
    }
    if (this.ended && !this.dst.writableEnded) this.dst.end();
  }

  private later(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, ms);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.queued = 0;
  }
}

interface Conn {
  client: Socket;
  upstream: Socket;
  pumps: Pump[];
}

export class FaultProxy {
  readonly stats: ProxyStats = { connections: 0, refused: 0, resets: 0, cuts: 0, bytesToTarget: 0, bytesToClient: 0, faults: 0, byKind: {}, heals: 0 };
  private readonly conns = new Set<Conn>();
  private state: 'up' | CutMode = 'up';
  private delayMs = 0;
  private jitterMs = 0;
  private dropShare = 0;
  private readonly rates: { toTarget: RateLimit | null; toClient: RateLimit | null } = { toTarget: null, toClient: null };
  private flapTimer: NodeJS.Timeout | null = null;
  private flapTurn = 0;
  private readonly max: number;

  private constructor(
    private readonly server: Server,
    private target: number,
    opts: FaultProxyOptions,
  ) {
    this.max = opts.maxBufferedBytes ?? 1024 * 1024;
  }

  /** A proxy to `target` (a port on 127.0.0.1, or a URL whose port is used). */
  static async start(target: number | string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
    const server = createServer({ pauseOnConnect: true });
    const proxy = new FaultProxy(server, portOf(target), opts);
    server.on('connection', (s) => proxy.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The proxy as a base URL (what a node is told its peer is at). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Points new connections elsewhere (the node behind it restarted on another port). */
  setTarget(target: number | string): void {
    this.target = portOf(target);
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  /** True while bytes are held (a stalled cut). */
  get stalled(): boolean {
    return this.state === 'stall';
  }

  /** Open connections. */
  get open(): number {
    return this.conns.size;
  }

  // ---- faults -------------------------------------------------------------------------

  /** Takes the link down: `refuse` also resets what is open; `stall` freezes it in place. */
  cut(mode: CutMode = 'refuse'): void {
    this.stopFlap();
    this.down(mode);
  }

  /** Back to forwarding: held bytes flow again; delay, drop and rate stay as set. */
  heal(): void {
    this.stopFlap();
    this.up();
  }

  /** Every chunk waits `ms` (plus up to `jitterMs`) before it is forwarded, in order. */
  delay(ms: number, jitterMs = 0): void {
    this.delayMs = ms;
    this.jitterMs = jitterMs;
    this.fault('delay');
  }

  /** Each new connection is reset at accept with probability `share` (0 to 1). */
  drop(share: number): void {
    this.dropShare = share;
    this.fault('drop');
  }

  /** Resets every open connection now (RST both ways); the link stays up. */
  reset(): void {
    this.fault('reset');
    this.resetAll();
  }

  /** Caps each direction at `bytesPerSec` over all connections (null: no cap). */
  trickle(bytesPerSec: number | null, dir: 'both' | 'toTarget' | 'toClient' = 'both'): void {
    if (bytesPerSec) this.fault('trickle');
    for (const d of dir === 'both' ? (['toTarget', 'toClient'] as const) : [dir]) this.rates[d] = bytesPerSec ? new RateLimit(bytesPerSec) : null;
    this.kickAll();
  }

  /** Clears every fault: up, no delay, no drop, no rate cap. */
  clear(): void {
    this.stopFlap();
    this.delayMs = 0;
    this.jitterMs = 0;
    this.dropShare = 0;
    this.rates.toTarget = null;
    this.rates.toClient = null;
    this.up();
  }

  /** Goes down and up again by the plan until heal(), cut() or clear(); starts with an up phase. */
  flap(plan: FlapPlan): void {
    this.stopFlap();
    this.up();
    const next = (wasUp: boolean) => {
      this.flapTimer = setTimeout(() => {
        if (wasUp) {
          const turn = this.flapTurn++;
          const mode = plan.mode === 'mixed' || plan.mode === undefined ? (turn % 3 === 1 ? 'stall' : 'refuse') : plan.mode;
          // Every third down phase of `mixed` starts with a reset of what is open.
          if ((plan.mode ?? 'mixed') === 'mixed' && turn % 3 === 2) this.resetAll();
          this.down(mode);
        } else this.up();
        next(!wasUp);
      }, wasUp ? plan.upMs : plan.downMs);
    };
    next(true);
  }

  async close(): Promise<void> {
    this.stopFlap();
    if (this.stats.faults > 0) recordFaults({ kind: 'proxy', ...this.stats.byKind, heals: this.stats.heals, resets: this.stats.resets, refused: this.stats.refused });
    for (const c of this.conns) this.destroy(c, false);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- internals (pumps call these) ---------------------------------------------------

  delayFor(): number {
    return this.delayMs + (this.jitterMs ? Math.floor(Math.random() * this.jitterMs) : 0);
  }

  rateOf(dir: 'toTarget' | 'toClient'): RateLimit | null {
    return this.rates[dir];
  }

  count(dir: 'toTarget' | 'toClient', n: number): void {
    if (dir === 'toTarget') this.stats.bytesToTarget += n;
    else this.stats.bytesToClient += n;
  }

  private accept(client: Socket): void {
    if (this.state === 'refuse' || (this.dropShare > 0 && Math.random() < this.dropShare)) {
      this.stats.refused++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    this.stats.connections++;
    const upstream = connect({ port: this.target, host: '127.0.0.1', allowHalfOpen: true });
    const conn: Conn = { client, upstream, pumps: [] };
    conn.pumps.push(new Pump(this, client, upstream, 'toTarget', this.max), new Pump(this, upstream, client, 'toClient', this.max));
    this.conns.add(conn);
    const gone = () => this.destroy(conn, false);
    client.on('error', gone).on('close', gone);
    upstream.on('error', () => this.destroy(conn, true)).on('close', gone);
    client.resume();
  }

  private down(mode: CutMode): void {
    if (this.state === 'up') this.stats.cuts++;
    this.fault(`cut-${mode}`);
    this.state = mode;
    if (mode === 'refuse') this.resetAll();
  }

  private fault(kind: string): void {
    this.stats.faults++;
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
  }

  private up(): void {
    if (this.state !== 'up') this.stats.heals++;
    this.state = 'up';
    this.kickAll();
  }

  private stopFlap(): void {
    if (this.flapTimer) clearTimeout(this.flapTimer);
    this.flapTimer = null;
  }

  private kickAll(): void {
    for (const c of this.conns) for (const p of c.pumps) p.kick();
  }

  private resetAll(): void {
    for (const c of [...this.conns]) {
      this.stats.resets++;
      this.destroy(c, true);
    }
  }

  /** `reset`: RST to the client (a refused or broken connection), not a clean close. */
  private destroy(c: Conn, reset: boolean): void {
    if (!this.conns.delete(c)) return;
    for (const p of c.pumps) p.close();
    for (const s of [c.client, c.upstream]) {
      s.on('error', () => undefined);
      if (reset && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }
}

function portOf(target: number | string): number {
  if (typeof target === 'number') return target;
  const port = Number(new URL(target).port);
  if (!port) throw new Error(`fault proxy: no port in ${target}`);
  return port;
}
