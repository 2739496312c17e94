/**
 * Who is calling: resolves a bearer token on the peer listener to the name of the peer it
 * was given to, and a peer name to its URL. Reads the store directly so other parts (the
 * mirror's archive routes under `--public-read peers`) can use it without the gossip engine.
 */
import type { Store } from '../store/store';
import type { PeerRecord } from './peer-record';

/** The token of an `Authorization: Bearer TOKEN` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** The name of the active peer whose token this is, or null (unknown, pending, malformed). */
export async function peerFromBearer(store: Store, authorizationHeader: string | undefined): Promise<string | null> {
  const token = bearerToken(authorizationHeader);
  if (!token) return null;
  for await (const value of store.subs.peers.values()) {
    const r = value as PeerRecord;
    if (r.tokenIn === token) return r.localOk && r.remoteOk ? r.name : null;
  }
  return null;
}

/** The peer URL of a known peer, or null. */
export async function peerUrlByName(store: Store, name: string): Promise<string | null> {
  const r = (await store.subs.peers.get(name)) as PeerRecord | undefined;
  return r ? r.url : null;
}

/** The record of the peer with this URL, or null (lets `mirror URL` reuse a known peer). */
export async function peerNameByUrl(store: Store, url: string): Promise<string | null> {
  const want = url.replace(/\/+$/, '');
  for await (const value of store.subs.peers.values()) {
    const r = value as PeerRecord;
    if (r.url.replace(/\/+$/, '') === want) return r.name;
  }
  return null;
}
