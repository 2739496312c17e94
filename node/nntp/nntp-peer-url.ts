/**
 * NNTP peer addresses (`nntp://host[:port]`, port 119 by default) and what the peer table
 * keeps for an NNTP peer beyond a gossip peer's record: the local address its feed connects
 * from. Pure parsing; no I/O.
 */
import type { PeerRecord } from '../gossip/peer-record';

export interface NntpPeerRecord extends PeerRecord {
  /** Local address the outgoing feed binds to (servers such as INN know their peers by address). */
  sourceAddress?: string;
}

export const isNntpUrl = (url: string): boolean => /^nntp:\/\//i.test(url);

/** Host and port of an nntp:// URL; throws an Error with a readable reason. */
export function parseNntpUrl(url: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL`);
  }
  if (u.protocol !== 'nntp:') throw new Error('an NNTP peer URL starts with nntp://');
  if (u.username || u.password || (u.pathname !== '' && u.pathname !== '/') || u.search || u.hash) throw new Error('an NNTP peer URL is nntp://host[:port] and nothing more');
  if (!u.hostname) throw new Error('an NNTP peer URL needs a host');
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? 119 : Number(u.port) };
}

/** The URL as the table keeps it: `nntp://host:port`. */
export function normNntpUrl(url: string): string {
  const { host, port } = parseNntpUrl(url);
  return `nntp://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
