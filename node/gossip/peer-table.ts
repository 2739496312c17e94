/**
 * The peers of this node: records cached in memory (--max-peers bounds them, 64 by default)
 * and written through to the store's `peers` sublevel, with the token index the peer
 * routes authenticate with and the compiled group filters the router applies.
 */
import { randomBytes } from 'node:crypto';
import { MATCH_ALL, parseWildmat, type Wildmat } from '../../protocol/wildmat';
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

  constructor(private readonly store: Store) {}

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

  async put(record: PeerRecord): Promise<void> {
    await this.store.subs.peers.put(record.name, record);
    this.index(record);
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

  async flush(): Promise<void> {
    const names = [...this.dirty];
    this.dirty.clear();
    const ops = names.flatMap((n) => {
      const e = this.byName.get(n);
      return e ? [{ type: 'put' as const, key: n, value: e.record as unknown }] : [];
    });
    if (ops.length > 0) await this.store.subs.peers.batch(ops);
  }

  async remove(name: string): Promise<void> {
    const e = this.byName.get(name);
    if (e) this.byToken.delete(e.record.tokenIn);
    this.byName.delete(name);
    await this.store.subs.peers.del(name);
  }

  private index(record: PeerRecord): void {
    const old = this.byName.get(record.name);
    if (old) this.byToken.delete(old.record.tokenIn);
    const local = record.groups ? parseWildmat(record.groups) : MATCH_ALL;
    const remote = record.remoteGroups ? safeWildmat(record.remoteGroups) : MATCH_ALL;
    const filter: Wildmat = {
      source: local.source,
      matches: (g) => local.matches(g) && remote.matches(g),
      matchesAny: (gs) => gs.some((g) => local.matches(g) && remote.matches(g)),
    };
    this.byName.set(record.name, { record, filter });
    this.byToken.set(record.tokenIn, record.name);
  }
}

/** A peer's requested filter that does not parse is ignored rather than trusted. */
function safeWildmat(text: string): Wildmat {
  try {
    return parseWildmat(text);
  } catch {
    return MATCH_ALL;
  }
}
