/**
 * The peers of this node: records cached in memory (--max-peers bounds them, 64 by default)
 * and written through to the store's `peers` sublevel, with the token index the peer
 * routes authenticate with and the compiled group filters the router applies. A stored owner
 * filter that no longer parses (older data, before the wildmat caps) matches nothing, with a
 * warning, until the owner sets a new one: start-up never fails on it, and nothing leaks.
 * Writes go to the store one after another in the order they were asked for, so a flush of
 * lastSeen/lastError never lands after, and undoes, a newer record (an approval, a new token).
 */
import { randomBytes } from 'node:crypto';
import { MATCH_ALL, parseWildmat, type Wildmat } from '../../protocol/wildmat';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import type { PeerRecord } from './peer-record';
import { normUrl } from './peer-auth';

export const newToken = (): string => randomBytes(24).toString('base64url');

interface Entry {
  record: PeerRecord;
  filter: Wildmat;
}

export class PeerTable {
  private readonly byName = new Map<string, Entry>();
  private readonly byToken = new Map<string, string>();
  /** Records whose lastSeenAt/lastError changed in memory since the last flush. */
  private readonly dirty = new Set<string>();
  /** The last write asked for; each write starts when the one before it has ended. */
  private writing: Promise<void> = Promise.resolve();
  /** Puts asked for and not yet run, by name; a remove cancels those asked for before it. */
  private readonly queuedPuts = new Map<string, number>();
  private readonly cancelled = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly log?: Logger,
  ) {}

  async load(): Promise<void> {
    for await (const [, value] of this.store.subs.peers.iterator()) this.index(value as PeerRecord);
  }

  get(name: string): PeerRecord | undefined {
    return this.byName.get(name)?.record;
  }

  all(): PeerRecord[] {
    return [...this.byName.values()].map((e) => e.record);
  }

  /** The peer at this URL (compared without trailing slashes). */
  byUrl(url: string): PeerRecord | undefined {
    const want = normUrl(url);
    return this.all().find((r) => normUrl(r.url) === want);
  }

  /** The peer holding this node key. */
  byKey(key: string): PeerRecord | undefined {
    return this.all().find((r) => r.key === key);
  }

  get size(): number {
    return this.byName.size;
  }

  /** The name whose `tokenIn` this is, or undefined. */
  nameForToken(token: string): string | undefined {
    return this.byToken.get(token);
  }

  /** Both filters (ours and the one the peer asked for) must let the groups through. */
  filterAllows(name: string, groups: readonly string[]): boolean {
    const e = this.byName.get(name);
    return e ? e.filter.matchesAny(groups) : false;
  }

  /** Writes a record (after the writes asked for before it) and then makes it the one in memory. */
  put(record: PeerRecord): Promise<void> {
    const name = record.name;
    this.queuedPuts.set(name, (this.queuedPuts.get(name) ?? 0) + 1);
    return this.serially(async () => {
      countDown(this.queuedPuts, name);
      // Removed after this put was asked for: the peer is gone, do not bring it back.
      if (countDown(this.cancelled, name)) return;
      await this.store.subs.peers.put(record.name, record);
      const old = this.byName.get(record.name)?.record;
      this.index(record);
      // Touches made while it was written went to the old object: keep them if the new record is older.
      if (old && this.dirty.has(record.name)) {
        if ((old.lastSeenAt ?? 0) > (record.lastSeenAt ?? 0)) record.lastSeenAt = old.lastSeenAt;
      }
    });
  }

  /**
   * Updates lastSeenAt/lastError in memory; `flush` writes them later. They change on every
   * batch, and writing the record each time would cost a LevelDB put per request.
   */
  touch(name: string, patch: Partial<Pick<PeerRecord, 'lastSeenAt' | 'lastError'>>): void {
    const e = this.byName.get(name);
    if (!e) return;
    Object.assign(e.record, patch);
    this.dirty.add(name);
  }

  /** Writes the touched records as they are in memory when their turn comes (after earlier writes). */
  flush(): Promise<void> {
    return this.serially(async () => {
      const names = [...this.dirty];
      this.dirty.clear();
      const ops = names.flatMap((n) => {
        const e = this.byName.get(n);
        return e ? [{ type: 'put' as const, key: n, value: e.record as unknown }] : [];
      });
      if (ops.length > 0) await this.store.subs.peers.batch(ops);
    });
  }

  /** Forgets a peer at once (its token stops working) and deletes its record after earlier writes. */
  remove(name: string): Promise<void> {
    const e = this.byName.get(name);
    if (e) this.byToken.delete(e.record.tokenIn);
    this.byName.delete(name);
    this.dirty.delete(name);
    const queued = this.queuedPuts.get(name);
    if (queued) this.cancelled.set(name, queued);
    return this.serially(() => this.store.subs.peers.del(name));
  }

  private serially(write: () => Promise<void>): Promise<void> {
    const next = this.writing.then(write);
    // A failed write is its caller's to see; the ones after it still run.
    this.writing = next.catch(() => undefined);
    return next;
  }

  private index(record: PeerRecord): void {
    const old = this.byName.get(record.name);
    if (old) this.byToken.delete(old.record.tokenIn);
    const local = record.groups ? this.ownerFilter(record.name, record.groups) : MATCH_ALL;
    const remote = record.remoteGroups ? safeWildmat(record.remoteGroups) : MATCH_ALL;
    const filter: Wildmat = {
      source: local.source,
      matches: (g) => local.matches(g) && remote.matches(g),
      matchesAny: (gs) => gs.some((g) => local.matches(g) && remote.matches(g)),
    };
    this.byName.set(record.name, { record, filter });
    this.byToken.set(record.tokenIn, record.name);
  }

  /** The owner's filter for a link; one that does not parse lets nothing through (safe side). */
  private ownerFilter(name: string, text: string): Wildmat {
    try {
      return parseWildmat(text);
    } catch (err) {
      this.log?.warn(
        { peer: name, groups: text.slice(0, 200), reason: (err as Error).message },
        `the stored group filter of peer ${name} is not a valid wildmat any more; nothing is sent to or taken from it until its filter is set again (newsmesh peers add URL --groups W)`,
      );
      return { source: text, matches: () => false, matchesAny: () => false };
    }
  }
}

/** Takes one off a count (dropping it at zero); false when there was none. */
function countDown(counts: Map<string, number>, name: string): boolean {
  const n = counts.get(name);
  if (!n) return false;
  if (n > 1) counts.set(name, n - 1);
  else counts.delete(name);
  return true;
}

/** A peer's requested filter that does not parse is ignored rather than trusted. */
function safeWildmat(text: string): Wildmat {
  try {
    return parseWildmat(text);
  } catch {
    return MATCH_ALL;
  }
}
