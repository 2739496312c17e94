/**
 * The stored shape of a mirror job (sublevel `mirrors`, key = job id) and the batch op that
 * saves it. The cursor is the peer's article number up to which the index has been handled;
 * it is saved in the same batch as the articles it covers, so a crash never skips any. A swarm
 * job (several sources) keeps one such cursor per source in `sources`; a record without
 * `sources` is a one-source job (the form older nodes wrote), read as it always was.
 */
import { createHash } from 'node:crypto';
import type { MirrorJobView } from '../../protocol/archive-messages';
import type { MirrorSourceView } from '../../protocol/api';
import type { BatchOp, Store } from '../store/store';

export interface MirrorRejection {
  id: string;
  reason: string;
}

/** One source of a swarm job. Its cursor only passes index entries that are held or settled. */
export interface MirrorSourceRecord {
  /** As the user gave it: a URL or a peer name. */
  peer: string;
  url: string;
  peerName?: string;
  cursor: number;
  /** Articles this source delivered (taken or found duplicate). */
  done: number;
  /** How many articles the source lists for the group (its index `count`). */
  count: number;
  /** `failed`: given up for this run (its share went to the others); a new start retries it. */
  state: 'active' | 'finished' | 'failed';
  error?: string;
}

export interface MirrorJobRecord {
  id: string;
  /** As the user gave it: a URL or a peer name. */
  peer: string;
  /** The peer's base URL. */
  url: string;
  /** The peer's node name when gossip knows it (origin of the mirrored articles). */
  peerName?: string;
  group: string;
  follow: boolean;
  /** Follow set up (the peer kept as a neighbour for the group). */
  followed: boolean;
  /** `cancelled` is never stored: a cancelled job is removed (MirrorJobs keeps a short memory of it). */
  state: 'running' | 'done' | 'failed' | 'cancelled';
  cursor: number;
  done: number;
  total: number;
  rejected: number;
  rejections: MirrorRejection[];
  error?: string;
  /** When the job began failing without progress (ms); it gives up `giveUpMs` later, restarts included. */
  failingSince?: number;
  startedAt: string;
  finishedAt?: string;
  /** Swarm jobs: the sources, in the order given (`url` and `cursor` above are unused then). */
  sources?: MirrorSourceRecord[];
  /** Swarm jobs: when the job was first created (ms); ids held since were counted as they came. */
  createdAtMs?: number;
  /** Swarm jobs: ids some source listed that no source delivered. */
  missing?: number;
}

/** How many recent rejection reasons a job keeps. */
export const KEEP_REJECTIONS = 20;

/**
 * One job per (peer URL, group): starting it again continues from its cursor. A swarm job's
 * id is that of its set of URLs (any order).
 */
export function jobId(url: string | string[], group: string): string {
  const key = Array.isArray(url) ? (url.length === 1 ? url[0] : [...url].sort().join(' ')) : url;
  return `m-${createHash('sha256').update(`${key}\n${group}`).digest('hex').slice(0, 16)}`;
}

function sourceViews(rec: MirrorJobRecord, rate: number | undefined, rates?: number[]): MirrorSourceView[] {
  if (!rec.sources) {
    const state = rec.state === 'done' ? 'finished' : rec.state === 'running' ? (rec.error ? 'waiting' : 'active') : 'failed';
    return [{ url: rec.url, done: rec.done, rate: rec.state === 'running' ? (rate ?? 0) : 0, state, ...(rec.error && state !== 'finished' ? { error: rec.error } : {}) }];
  }
  return rec.sources.map((s, i) => ({
    url: s.url,
    done: s.done,
    rate: rec.state === 'running' && s.state === 'active' ? (rates?.[i] ?? 0) : 0,
    state: s.state === 'active' && s.error ? 'waiting' : rec.state !== 'running' && s.state === 'active' ? 'finished' : s.state,
    ...(s.error ? { error: s.error } : {}),
  }));
}

export function saveJobOp(store: Store, rec: MirrorJobRecord): BatchOp {
  return { type: 'put', sublevel: store.subs.mirrors, key: rec.id, value: rec } as unknown as BatchOp;
}

export function toView(rec: MirrorJobRecord, rate?: number, rates?: number[]): MirrorJobView {
  return {
    id: rec.id,
    peer: rec.peer,
    group: rec.group,
    state: rec.state,
    done: rec.done,
    total: rec.total,
    ...(rec.error ? { error: rec.error } : {}),
    follow: rec.follow,
    ...(rate !== undefined ? { rate } : {}),
    startedAt: rec.startedAt,
    ...(rec.finishedAt ? { finishedAt: rec.finishedAt } : {}),
    rejected: rec.rejected,
    rejections: rec.rejections,
    url: rec.url,
    sources: sourceViews(rec, rate, rates),
  };
}
