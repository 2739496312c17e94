/**
 * The stored shape of a mirror job (sublevel `mirrors`, key = job id) and the batch op that
 * saves it. The cursor is the peer's article number up to which the index has been handled;
 * it is saved in the same batch as the articles it covers, so a crash never skips any.
 */
import { createHash } from 'node:crypto';
import type { MirrorJobView } from '../../protocol/archive-messages';
import type { BatchOp, Store } from '../store/store';

export interface MirrorRejection {
  id: string;
  reason: string;
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
}

/** How many recent rejection reasons a job keeps. */
export const KEEP_REJECTIONS = 20;

/** One job per (peer URL, group): starting it again continues from its cursor. */
export function jobId(url: string, group: string): string {
  return `m-${createHash('sha256').update(`${url}\n${group}`).digest('hex').slice(0, 16)}`;
}

export function saveJobOp(store: Store, rec: MirrorJobRecord): BatchOp {
  return { type: 'put', sublevel: store.subs.mirrors, key: rec.id, value: rec } as unknown as BatchOp;
}

export function toView(rec: MirrorJobRecord, rate?: number): MirrorJobView {
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
  };
}
