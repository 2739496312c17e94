/**
 * Who may read group archives on the peer listener (`--public-read on|peers|off`). `peers`
 * asks gossip whether the bearer token belongs to a known peer; the lookup is passed in so
 * this module does not depend on how gossip keeps its tokens.
 */
import type { PublicRead } from '../config';
import { NmError } from '../errors';

/** Resolves to the peer's name when the Authorization header is a known peer's token. */
export type PeerLookup = (authorization: string | undefined) => Promise<string | null | undefined>;

export type ReadCheck = (authorization: string | undefined) => Promise<void>;

export function readCheck(mode: PublicRead, lookup: PeerLookup | null): ReadCheck {
  if (mode === 'on') return async () => undefined;
  if (mode === 'off') {
    return async () => {
      throw new NmError('NM_ERR_FORBIDDEN', 'this node does not serve its archives (--public-read off)');
    };
  }
  return async (authorization) => {
    if (!authorization) throw new NmError('NM_ERR_UNAUTHORIZED', 'archives here are for peers only (--public-read peers): send the bearer token from hello');
    const peer = lookup ? await lookup(authorization) : null;
    if (!peer) throw new NmError('NM_ERR_UNAUTHORIZED', 'archives here are for peers only (--public-read peers): unknown bearer token');
  };
}
