/**
 * What a node keeps about each peer in the store's `peers` sublevel (name -> PeerRecord),
 * and how the user-visible state follows from it. A peer is known by its key: once a record
 * holds one, only a hello proving that key changes it. Tokens: `tokenIn` is the bearer token
 * this node gave the peer (it proves the peer's requests), `tokenOut` the one the peer gave
 * us. Link health (up/down, counters) lives in memory in the link, not here.
 */
export interface PeerRecord {
  name: string;
  url: string;
  /** The owner's filter for this link (wildmat), absent = every group. */
  groups?: string;
  /** The filter the peer asked for in its hello, absent = every group. */
  remoteGroups?: string;
  tokenIn: string;
  tokenOut?: string;
  /** This side agrees: the owner added it, approved it, or the node accepts peers openly. */
  localOk: boolean;
  /** The other side agrees: it greeted us, or answered our hello without `pending`. */
  remoteOk: boolean;
  addedAt: number;
  lastSeenAt: number | null;
  lastError: string | null;
  /**
   * The peer's Ed25519 key (base64url), bound by the first hello that proved it. Absent only
   * in records from before node keys; those bind a key through the old token or our own
   * greeting at the recorded URL.
   */
  key?: string;
  /**
   * false: a stranger's record (its hello arrived, the owner never added nor approved it); it
   * expires when pending or silent, and the owner's add may replace it. Absent (records from
   * before) counts as the owner's.
   */
  byOwner?: boolean;
}

/** The owner added or approved this peer (or the record predates the distinction). */
export const ownerConfirmed = (r: PeerRecord): boolean => r.byOwner !== false;

/** A link only carries articles when both sides agreed. */
export const isActive = (r: PeerRecord): boolean => r.localOk && r.remoteOk;
