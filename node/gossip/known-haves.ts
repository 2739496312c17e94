/**
 * Ids each peer is known to hold already, because it offered or sent them to us. The router
 * skips those peers, which saves the IHAVE round a peer would only answer "have it". Bounded
 * per peer (oldest forgotten first): forgetting only costs an extra offer, never an article.
 */
export class KnownHaves {
  private readonly sets = new Map<string, Set<string>>();

  constructor(private readonly perPeer = 50_000) {}

  add(peer: string, id: string): void {
    let s = this.sets.get(peer);
    if (!s) this.sets.set(peer, (s = new Set()));
    if (s.has(id)) return; // keeping the first-seen order is enough for a FIFO bound
    s.add(id);
    if (s.size > this.perPeer) s.delete(s.values().next().value as string);
  }

  has(peer: string, id: string): boolean {
    return this.sets.get(peer)?.has(id) ?? false;
  }

  forget(peer: string): void {
    this.sets.delete(peer);
  }
}
