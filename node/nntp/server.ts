/**
 * The NNTP listener: accepts TCP connections (TCP_NODELAY on), caps them per source address
 * and in total, gives each a Session once it knows whether the address is an NNTP peer's, and
 * closes sessions idle for longer than `idleMs` (one sweep loop on the clock, not a timer per
 * connection). Closing the server ends every session.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../clock';
import type { HostPort } from '../config';
import { ListenError } from '../http/listen';
import type { Logger } from '../logger';
import { CODE, statusLine } from '../../protocol/nntp/replies';
import { Session, type SessionHooks, type SessionLimits } from './session';

export interface NntpServerInit extends SessionLimits {
  /** A session with nothing pending that hears nothing for this long is closed. */
  idleMs: number;
  maxPerAddress: number;
  maxConnections: number;
}

export const DEFAULT_NNTP_SERVER_INIT: NntpServerInit = {
  idleMs: 10 * 60_000,
  maxPerAddress: 32,
  maxConnections: 1000,
  blockMax: 1_000_000,
  maxPending: 2048,
  writeHighWater: 4 * 1024 * 1024,
  maxBlockBytesInFlight: 32 * 1024 * 1024,
};

export interface NntpServerHooks extends Omit<SessionHooks, 'now' | 'log'> {
  /** Fills in what the session needs to know before its first command (its peers); returns the greeting. */
  open(session: Session): Promise<string>;
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'is already in use',
  EADDRNOTAVAIL: 'is not an address of this machine',
  EACCES: 'needs more privileges',
};

/** `::ffff:127.0.0.1` is 127.0.0.1. */
export const plainAddress = (a: string | undefined): string => (a ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

export class NntpServer {
  private readonly server: Server;
  private readonly sessions = new Set<Session>();
  private readonly perAddress = new Map<string, number>();
  private readonly stopping = new AbortController();
  private sweeper: Promise<void> | null = null;

  constructor(
    private readonly c: { clock: Clock; logger: Logger },
    private readonly init: NntpServerInit,
    private readonly hooks: NntpServerHooks,
  ) {
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** Listens; returns `nntp://host:port` with the port actually bound. */
  async listen(at: HostPort): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        const why = REASONS[err.code ?? ''] ?? `cannot be listened on (${err.message})`;
        reject(new ListenError(`--nntp ${at.host}:${at.port} ${why}`));
      };
      this.server.once('error', onError);
      this.server.listen({ host: at.host, port: at.port }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (err) => this.c.logger.error({ err }, 'nntp listener error'));
    this.sweeper = this.sweep();
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : at.port;
    return `nntp://${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`;
  }

  async close(): Promise<void> {
    this.stopping.abort();
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sessions) {
      s.end(statusLine(CODE.UNAVAILABLE, 'server shutting down'));
      s.socket.destroy();
    }
    await closed;
    await this.sweeper;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const address = plainAddress(socket.remoteAddress);
    const count = this.perAddress.get(address) ?? 0;
    if (this.stopping.signal.aborted || count >= this.init.maxPerAddress || this.sessions.size >= this.init.maxConnections) {
      const why = count >= this.init.maxPerAddress ? `too many connections from ${address}` : 'too many connections';
      socket.on('error', () => undefined);
      socket.end(statusLine(CODE.UNAVAILABLE, why));
      return;
    }
    this.perAddress.set(address, count + 1);
    // Nothing is read until the session knows who it talks to.
    socket.pause();
    const session = new Session(socket, address, { ...this.hooks, now: () => this.c.clock.now(), log: this.c.logger }, this.init);
    this.sessions.add(session);
    session.onClose = () => {
      this.sessions.delete(session);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    };
    this.hooks.open(session).then(
      (greeting) => {
        if (session.closed) return;
        session.greet(greeting);
        socket.resume();
      },
      (err: unknown) => {
        this.c.logger.error({ err }, 'nntp session could not start');
        session.greet(statusLine(CODE.UNAVAILABLE, 'service temporarily unavailable'), true);
      },
    );
  }

  /** Closes idle sessions; one loop for all of them. */
  private async sweep(): Promise<void> {
    const every = Math.max(20, Math.min(30_000, this.init.idleMs / 4));
    while (!this.stopping.signal.aborted) {
      await this.c.clock.sleep(every, this.stopping.signal);
      const now = this.c.clock.now();
      for (const s of this.sessions) {
        if (s.pending === 0 && now - s.lastActive > this.init.idleMs) s.end(statusLine(CODE.UNAVAILABLE, 'idle for too long, closing connection'));
      }
    }
  }
}
