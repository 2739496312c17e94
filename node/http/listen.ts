/**
 * Binds a listener and turns the usual failures (address in use, not available, no
 * permission) into one readable sentence naming the flag.
 */
import type { AddressInfo } from 'node:net';
import type { HostPort } from '../config';

export class ListenError extends Error {
  readonly code = 'NM_ERR_LISTEN';
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'is already in use',
  EADDRNOTAVAIL: 'is not an address of this machine',
  EACCES: 'needs more privileges',
};

/** Listens and returns `http://host:port` with the port actually bound. */
/** The slice of a fastify instance this needs (any logger or type provider). */
interface Listenable {
  listen(opts: { host: string; port: number }): Promise<string>;
  server: { address(): AddressInfo | string | null };
}

export async function listenOrExplain(app: Listenable, at: HostPort, flag: string): Promise<string> {
  try {
    await app.listen({ host: at.host, port: at.port });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const why = REASONS[code] ?? `cannot be listened on (${(err as Error).message})`;
    throw new ListenError(`${flag} ${at.host}:${at.port} ${why}`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : at.port;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return `http://${host}:${port}`;
}
