/**
 * Time and connection bounds of a listener (both the web and the peer one): how long a
 * client may take to send its headers and its whole request, how long idle sockets stay, and
 * how many sockets one address and everyone together may hold. Sockets past a cap are closed
 * at once, before any byte is read; refusals are logged at most once per interval.
 */
import type { Server, Socket } from 'node:net';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { clientKey, isLoopbackAddress } from './client-address';

export interface ListenerLimits {
  /** The request line and headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** The whole request, body included (a slow body). */
  requestTimeoutMs: number;
  /** An idle keep-alive socket between requests. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way (a client that never reads its answer). */
  idleTimeoutMs: number;
  /** Sockets open at once on this listener. */
  maxConnections: number;
  /** Sockets open at once from one address (an IPv6 /64 counts as one). */
  maxConnectionsPerAddress: number;
  /**
   * Loopback clients are not held to the per-address cap (the global cap still holds): they
   * are this machine's own processes (the CLI, other local nodes, a reverse proxy that all
   * outside clients share), never a stranger on the network.
   */
  loopbackExempt: boolean;
}

export const DEFAULT_LISTENER_LIMITS: ListenerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  // Longer than the keep-alive of the usual clients (undici: 4 s), so they close first.
  keepAliveTimeoutMs: 65_000,
  idleTimeoutMs: 120_000,
  maxConnections: 512,
  maxConnectionsPerAddress: 64,
  loopbackExempt: true,
};

/** A refusal is logged at most this often per listener (with the count since the last line). */
const LOG_EVERY_MS = 10_000;

/** The fastify server options that carry the timeouts. */
export function timeoutOptions(limits: ListenerLimits) {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks the two timeouts on this interval (30 s by default): keep it a fraction of
      // the timeout so a slow sender is cut close to it.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
  };
}

/** Counts sockets per address on `server` and closes those past the caps. */
export function capConnections(server: Server, limits: ListenerLimits, deps: { clock: Clock; logger: Logger }): void {
  const perAddress = new Map<string, number>();
  let open = 0;
  let refused = 0;
  let lastLogAt = -Infinity;
  // Prepended, so that a refused socket is closed before the HTTP parser is set up on it.
  server.prependListener('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    const mine = perAddress.get(key) ?? 0;
    const capped = !(limits.loopbackExempt && isLoopbackAddress(key));
    if (open >= limits.maxConnections || (capped && mine >= limits.maxConnectionsPerAddress)) {
      socket.destroy();
      refused++;
      const now = deps.clock.now();
      if (now - lastLogAt >= LOG_EVERY_MS) {
        lastLogAt = now;
        const why = open >= limits.maxConnections ? 'maxConnections' : 'maxConnectionsPerAddress';
        deps.logger.warn({ address: key, refused, open, limit: why }, 'connections refused: over the cap');
        refused = 0;
      }
      return;
    }
    open++;
    perAddress.set(key, mine + 1);
    socket.once('close', () => {
      open--;
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
    });
  });
}
