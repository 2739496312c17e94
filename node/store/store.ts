/**
 * The node's store: one LevelDB with named sublevels (db.ts) and the reads everybody needs.
 * Writes of articles, history and counters go only through Ingest, which builds one atomic
 * batch per group commit; other parts add their records to those commits through its commit
 * hook and plain write (the feed's queue rows, mirror jobs), or write their own sublevels
 * (peers, reading) through `batch`.
 * Start-up reads only small metadata (counters, identity), never all articles.
 */
import type { AbstractBatchOperation } from 'abstract-level';
import { openDb, type OpenedDb, type Sub, type Sublevels } from './db';
import { key, prefixRange, unpad, lastPart, SEP } from './keys';
import type { Counters, GroupMeta, HistoryRecord, Identity, OverviewRecord, StoredArticle, ThreadMeta } from './records';

export type BatchOp = AbstractBatchOperation<OpenedDb['root'], string, unknown>;

/**
 * A put on the root whose key already carries the sublevel's prefix: the very bytes that
 * `{ sublevel, key, value }` writes, without abstract-level's per-op sublevel work (its
 * encodings looked up and the key prefixed per op, measured at about 1 µs an article in
 * docs/benchmarks.md "Cheaper commits"). For the JSON sublevels only: the root encodes JSON.
 */
export function rootPut<V>(sub: Sub<V>, key: string, value: V): BatchOp {
  return { type: 'put', key: sub.prefix + key, value } as BatchOp;
}

export interface GroupEntry extends GroupMeta {
  name: string;
}

export interface IndexEntry extends OverviewRecord {
  n: number;
}

/**
 * Point reads with getSync: these lookups hit small, mostly cached records, and a round trip
 * through libuv's thread pool (getMany) costs ~40 µs of CPU per call, ten times the read itself
 * (measured here); even at 1,000 keys the synchronous loop is cheaper.
 */
function readMany<V>(sub: Sub<V>, keys: string[]): (V | undefined)[] {
  return keys.map((k) => sub.getSync(k));
}

/** Most group index entries one thread page walks (a group dominated by one huge thread). */
const THREAD_SCAN_MAX = 50_000;

export class Store {
  private constructor(
    private readonly db: OpenedDb,
    readonly dir: string,
  ) {}

  static async open(dir: string): Promise<Store> {
    return new Store(await openDb(dir), dir);
  }

  get subs(): Sublevels {
    return this.db.subs;
  }

  /** One atomic write spanning sublevels (each op names its `sublevel`). */
  async batch(ops: BatchOp[]): Promise<void> {
    if (ops.length > 0) await this.db.root.batch(ops);
  }

  async close(): Promise<void> {
    await this.db.root.close();
  }

  // ---- identity and counters -------------------------------------------------------

  async identity(): Promise<Identity | undefined> {
    return (await this.subs.meta.get('identity')) as Identity | undefined;
  }

  async setIdentity(identity: Identity): Promise<void> {
    await this.subs.meta.put('identity', identity);
  }

  async counters(): Promise<Counters> {
    return ((await this.subs.meta.get('counters')) as Counters | undefined) ?? { articles: 0, groups: 0, seq: 0 };
  }

  // ---- articles --------------------------------------------------------------------

  async getStored(id: string): Promise<StoredArticle | undefined> {
    return this.subs.articles.get(id);
  }

  async getManyStored(ids: string[]): Promise<(StoredArticle | undefined)[]> {
    return readMany(this.subs.articles, ids);
  }

  async history(ids: string[]): Promise<(HistoryRecord | undefined)[]> {
    return readMany(this.subs.history, ids);
  }

  /** The synchronous forms, for the ingest writer (which prepares a commit in one go). */
  historySync(ids: string[]): (HistoryRecord | undefined)[] {
    return readMany(this.subs.history, ids);
  }

  threadsSync(keys: string[]): (ThreadMeta | undefined)[] {
    return readMany(this.subs.threads, keys);
  }

  // ---- groups ----------------------------------------------------------------------

  async group(name: string): Promise<GroupMeta | undefined> {
    return this.subs.groups.get(name);
  }

  async listGroups(): Promise<GroupEntry[]> {
    const out: GroupEntry[] = [];
    for await (const [name, meta] of this.subs.groups.iterator()) out.push({ name, ...meta });
    return out;
  }

  /** Group index entries with n > after, ascending, at most `limit`. */
  async groupIndex(group: string, after: number, limit: number): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    const range = prefixRange(group);
    const it = this.subs.groupIndex.iterator({ gt: key(group, after), lt: range.lt, limit });
    for await (const [k, v] of it) out.push({ n: unpad(lastPart(k)), ...v });
    return out;
  }

  // ---- threads ---------------------------------------------------------------------

  /**
   * Threads of a group by newest activity first; `before` is a group number cursor (the lastN
   * of the previous page's last thread). Each thread is listed at its newest article: walking
   * the group index down, an entry counts only when it is its thread's latest (meta.lastN),
   * so no separate activity index has to be rewritten on every reply.
   */
  async threadsByActivity(group: string, limit: number, before?: number): Promise<ThreadMeta[]> {
    const range = prefixRange(group);
    const lt = before === undefined ? range.lt : key(group, before);
    const out: ThreadMeta[] = [];
    const decided = new Set<string>();
    const it = this.subs.groupIndex.iterator({ gt: range.gt, lt, reverse: true, limit: THREAD_SCAN_MAX });
    for await (const [k, ov] of it) {
      const root = ov.references.length > 0 ? ov.references[0] : ov.id;
      if (decided.has(root)) continue;
      decided.add(root);
      const meta = this.subs.threads.getSync(key(group, root));
      if (meta && meta.lastN === unpad(lastPart(k))) out.push(meta);
      if (out.length >= limit) break;
    }
    return out;
  }

  async thread(group: string, root: string): Promise<ThreadMeta | undefined> {
    return this.subs.threads.get(key(group, root));
  }

  /** Ids of every article in the thread rooted at `root`, in acceptance order. */
  async threadMembers(root: string, limit = 5000): Promise<string[]> {
    const out: string[] = [];
    for await (const id of this.subs.threadMembers.values({ ...prefixRange(root), limit })) out.push(id);
    return out;
  }

  /**
   * Direct replies of an article, in acceptance order. Replies to a thread's root are its
   * thread members whose only reference is the root (the ingest writes no child link for
   * them); deeper replies have a child link (`children` sublevel, which in a data dir written
   * before this layout holds every reply: both are read, and an id is listed once).
   */
  async children(parent: string, limit = 5000): Promise<string[]> {
    const found = new Map<string, number>();
    for await (const [k, id] of this.subs.children.iterator({ ...prefixRange(parent), limit })) found.set(id, unpad(lastPart(k)));
    const members: [string, number][] = [];
    for await (const [k, id] of this.subs.threadMembers.iterator({ ...prefixRange(parent), limit })) {
      if (id !== parent && !found.has(id)) members.push([id, unpad(lastPart(k))]);
    }
    const stored = readMany(this.subs.articles, members.map(([id]) => id));
    members.forEach(([id, seq], i) => {
      const refs = stored[i]?.article.references;
      if (refs && refs[refs.length - 1] === parent) found.set(id, seq);
    });
    return [...found].sort((a, b) => a[1] - b[1]).slice(0, limit).map(([id]) => id);
  }
}

export { key, prefixRange, SEP };
