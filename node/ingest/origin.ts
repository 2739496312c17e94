/**
 * Where an article came from. Routing uses it (never offer back to the sender), the loop rule
 * applies to gossip only, and stats count by it.
 */
export type Origin =
  | { kind: 'local' }
  | { kind: 'peer'; peer: string }
  | { kind: 'mirror'; peer: string }
  | { kind: 'import' };

export const peerOf = (o: Origin): string | undefined => (o.kind === 'peer' || o.kind === 'mirror' ? o.peer : undefined);
