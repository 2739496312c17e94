/**
 * Opens the one root LevelDB of a node and names its sublevels (STYLE.md section 5). Every
 * value is JSON; keys are strings built with keys.ts. A second opener of the same directory
 * fails with LEVEL_LOCKED, which becomes NmStoreLockedError ("data dir in use").
 */
import { Level } from 'level';
import type { AbstractSublevel } from 'abstract-level';
import type { GroupMeta, HistoryRecord, OverviewRecord, QueueRow, RemovalRecord, StoredArticle, ThreadMeta } from './records';

type Root = Level<string, unknown>;
export type Sub<V> = AbstractSublevel<Root, string | Buffer | Uint8Array, string, V>;

export interface Sublevels {
  /** id -> StoredArticle */
  articles: Sub<StoredArticle>;
  /** group NUL n -> OverviewRecord */
  groupIndex: Sub<OverviewRecord>;
  /** group -> GroupMeta */
  groups: Sub<GroupMeta>;
  /** parent NUL seq -> child id, for replies whose parent is not their thread's root (older data dirs: every reply; Store.children reads both) */
  children: Sub<string>;
  /** root NUL seq -> member id (every article that names root first, and root itself) */
  threadMembers: Sub<string>;
  /** group NUL root -> ThreadMeta */
  threads: Sub<ThreadMeta>;
  /** id -> accepted | rejected, when */
  history: Sub<HistoryRecord>;
  /** pad(at) NUL id -> id: every history record that is not `accepted`, by time, so they expire (history-index.ts) */
  historyByTime: Sub<string>;
  /** peer NUL seq -> QueueRow (outbound queues; owned by node/feed/feed-queues.ts) */
  queues: Sub<QueueRow>;
  /** peer name -> peer record (owned by gossip) */
  peers: Sub<unknown>;
  /** job id -> mirror job (owned by mirror) */
  mirrors: Sub<unknown>;
  /** identity, counters */
  meta: Sub<unknown>;
  /** Owned by node/reading: saved search index chunks and their cursor. */
  search: Sub<unknown>;
  /** Owned by node/reading: root NUL seq -> thread overview row (a cache, rebuilt from articles). */
  threadOverview: Sub<unknown>;
  /** Owned by node/reading: group -> the owner's read marks. */
  readMarks: Sub<unknown>;
  /** id -> the exact bytes of an article that arrived by NNTP (binary; owned by ingest, read by nntp) */
  wire: Sub<Buffer>;
  /** Owned by node/takedown: pad(at) NUL id -> RemovalRecord (owner removals and honoured cancels). */
  removals: Sub<RemovalRecord>;
  /** Owned by node/takedown: target id -> PendingCancel (cancels not yet checked against their target). */
  cancels: Sub<unknown>;
  /** Owned by node/takedown: rule id -> BlockRule. */
  blocks: Sub<unknown>;
  /** Owned by node/takedown: pad(at) NUL id -> id of the articles posted from this node (the owner's list with cancel keys). */
  posted: Sub<string>;
}

export const SUBLEVEL_NAMES: Record<keyof Sublevels, string> = {
  articles: 'art',
  groupIndex: 'gidx',
  groups: 'grp',
  children: 'kids',
  threadMembers: 'tmem',
  threads: 'thr',
  history: 'hist',
  historyByTime: 'htime',
  queues: 'q',
  peers: 'peers',
  mirrors: 'mir',
  meta: 'meta',
  search: 'srch',
  threadOverview: 'tov',
  readMarks: 'read',
  wire: 'wire',
  removals: 'rmv',
  cancels: 'cxl',
  blocks: 'blk',
  posted: 'mine',
};

/** Sublevels whose values are raw bytes rather than JSON. */
const BINARY: ReadonlySet<string> = new Set(['wire']);

export class StoreLockedError extends Error {
  readonly code = 'NM_ERR_DATA_DIR_IN_USE';
  constructor(dir: string) {
    super(`data dir in use: ${dir} is locked by another newsmesh process`);
  }
}

export interface OpenedDb {
  root: Root;
  subs: Sublevels;
}

export async function openDb(dir: string): Promise<OpenedDb> {
  const root: Root = new Level<string, unknown>(dir, { valueEncoding: 'json' });
  try {
    await root.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if ((err as { code?: string }).code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(dir);
    throw err;
  }
  const subs = {} as Record<string, unknown>;
  for (const [prop, name] of Object.entries(SUBLEVEL_NAMES)) {
    subs[prop] = root.sublevel<string, unknown>(name, { valueEncoding: BINARY.has(name) ? 'buffer' : 'json' });
  }
  return { root, subs: subs as unknown as Sublevels };
}
