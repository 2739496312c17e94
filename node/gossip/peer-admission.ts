/**
 * Who may hold which peer record, decided over the peer table and nothing else: a name is
 * bound to the key that first proved it; records from before node keys bind one only through
 * their old token; strangers are capped (--max-peers, --max-pending-peers); the owner's add
 * replaces a stranger that squats a name, makes room by dropping the stranger heard from
 * least recently, and is refused only by another record the owner confirmed.
 */
import type { NodeConfig } from '../config';
import { NmError } from '../errors';
import { fingerprint } from '../identity/fingerprint';
import { bearerToken, sameToken } from './peer-auth';
import { ownerConfirmed, type PeerRecord } from './peer-record';
import type { PeerTable } from './peer-table';

const fp = (key: string | undefined) => (key ? fingerprint(key) : 'none');

/** A hello for `name` proving `key`: throws unless it may update `known`. */
export function checkClaim(table: PeerTable, known: PeerRecord | undefined, name: string, key: string, authorization: string | undefined): void {
  if (known?.key && known.key !== key) {
    throw new NmError(
      'NM_ERR_PEER_EXISTS',
      `a peer named ${name} is known here with key ${fp(known.key)}; this hello proves key ${fp(key)}. If that node really changed its key, this node's owner must remove ${name} first`,
    );
  }
  if (known && !known.key && !sameToken(bearerToken(authorization), known.tokenIn)) {
    throw new NmError(
      'NM_ERR_PEER_EXISTS',
      `peer ${name} is known here from before node keys: its first hello with a key (${fp(key)}) must carry its old bearer token, or wait until this node greets ${known.url}`,
    );
  }
  const holder = table.byKey(key);
  if (holder && holder.name !== name) {
    throw new NmError('NM_ERR_PEER_EXISTS', `key ${fp(key)} is known here as peer ${holder.name}; to peer under the name ${name}, this node's owner must remove ${holder.name} first`);
  }
}

/** A stranger's first hello: throws when the accept mode or a cap refuses a new record. */
export function admitStranger(table: PeerTable, config: NodeConfig): void {
  if (config.acceptPeers === 'closed') throw new NmError('NM_ERR_FORBIDDEN', 'this node does not accept new peers');
  if (table.size >= config.maxPeers) {
    throw new NmError('NM_ERR_PEER_LIMIT', `this node keeps at most ${config.maxPeers} peers (--max-peers) and has no room for a new one`);
  }
  const pending = table.all().filter((r) => !r.localOk).length;
  if (config.acceptPeers === 'approve' && pending >= config.maxPendingPeers) {
    throw new NmError('NM_ERR_PEER_LIMIT', `${pending} peering requests already wait for approval here (--max-pending-peers ${config.maxPendingPeers}); try again later`);
  }
}

/** What the owner's add of the node `name` with `key` at `url` does to the table. */
export interface AddPlan {
  /** The record this add updates (same key, or one from before node keys). */
  prior?: PeerRecord;
  /** Records to drop first: a squatting stranger, the old name at this URL or of this key, and strangers dropped to make room. */
  evict: PeerRecord[];
  /** Why each evicted record goes (for the log). */
  reasons: Map<string, string>;
}

/** Throws when an owner-confirmed record stands in the way, or the table is full of them. */
export function planAdd(table: PeerTable, config: NodeConfig, url: string, name: string, key: string): AddPlan {
  const named = table.get(name);
  const evict = new Map<string, PeerRecord>();
  const reasons = new Map<string, string>();
  const drop = (r: PeerRecord, why: string) => {
    evict.set(r.name, r);
    reasons.set(r.name, why);
  };
  let prior: PeerRecord | undefined;
  if (named && named.key && named.key !== key) {
    if (ownerConfirmed(named)) {
      throw new NmError(
        'NM_ERR_PEER_EXISTS',
        `a peer named ${name} is already known here with key ${fp(named.key)}, but the node at ${url} proves key ${fp(key)}; if ${name} changed its key, remove it first (newsmesh peers remove ${name}) and add it again`,
      );
    }
    drop(named, `a stranger held the name ${name} with key ${fp(named.key)}; the owner added ${url} with key ${fp(key)}`);
  } else if (named) prior = named;
  const atUrl = table.byUrl(url);
  if (atUrl && atUrl.name !== name) drop(atUrl, `the node at ${url} now answers as ${name}`);
  const holder = table.byKey(key);
  if (holder && holder.name !== name) drop(holder, `key ${fp(key)} now answers as ${name}`);
  let size = table.size - evict.size + (prior ? 0 : 1);
  if (size > config.maxPeers) {
    const strangers = table
      .all()
      .filter((r) => !ownerConfirmed(r) && r.name !== name && !evict.has(r.name))
      .sort((a, b) => (a.lastSeenAt ?? a.addedAt) - (b.lastSeenAt ?? b.addedAt));
    for (const r of strangers) {
      if (size <= config.maxPeers) break;
      drop(r, `room for a peer the owner added (--max-peers ${config.maxPeers})`);
      size--;
    }
    if (size > config.maxPeers) throw new NmError('NM_ERR_PEER_LIMIT', `this node already keeps ${config.maxPeers} peers (--max-peers); remove one first`);
  }
  return { ...(prior ? { prior } : {}), evict: [...evict.values()], reasons };
}
