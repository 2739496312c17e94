/**
 * NNTP helpers for tests and benchmarks: a client connected to a node's NNTP URL, posting
 * through it, and waiting for conditions with a deadline.
 */
import { NntpClient, type ClientReply } from '../../node/nntp/client';

export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

export function nntpConnect(url: string, localAddress?: string): Promise<NntpClient> {
  return NntpClient.connect({ ...hostPort(url), ...(localAddress ? { localAddress } : {}), timeoutMs: 20_000 });
}

/** CRLF lines as a Buffer. */
export const wire = (lines: string[]): Buffer => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');

/** POST: the 340 go-ahead, then the article; resolves with the final reply. */
export async function post(c: NntpClient, article: Buffer): Promise<ClientReply> {
  const go = await c.command('POST');
  if (go.code !== 340) return go;
  return c.sendBlock(article);
}

/** The lines of a multi-line reply. */
export const lines = (r: ClientReply): string[] => (r.block ? r.block.toString('utf8').split('\r\n').slice(0, -1) : []);

/** The shared polling helper (wait.ts), here for the NNTP tests that import it with these helpers. */
export { waitFor } from './wait';
