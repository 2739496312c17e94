/**
 * Ed25519 verification off the main thread: a small pool of worker_threads that check batches
 * of (message, signature, key). Ingest hands it the signed articles of a submission before
 * the group commit takes them, so the writer never waits on a ~110 µs verification; the main
 * thread only packs each batch into one transferable buffer. Bounded: past `maxQueued` items
 * or `maxQueuedBytes` message bytes waiting for a worker, verify() waits for room (its caller, a peer's TAKETHIS or a mirror
 * chunk, waits with it); each worker holds at most `depth` batches of `chunk` items. A worker
 * that dies is replaced and its batches are tried once more.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { NmError } from '../errors';
import type { Logger } from '../logger';
import { verifyBytes } from './signing';
import { VERIFY_WORKER_SOURCE } from './verify-worker-source';

export interface VerifyItem {
  message: Uint8Array;
  /** base64url of the 64-byte signature. */
  signature: string;
  /** base64url of the signer's 32-byte public key. */
  key: string;
}

export interface VerifyPoolInit {
  /** Worker threads; 0 verifies on the calling thread (tests, one-core machines). */
  workers?: number;
  /** Items waiting for a worker before verify() waits for room. */
  maxQueued?: number;
  /** Message bytes waiting for a worker before verify() waits for room (64 KiB bodies fill item counts fast). */
  maxQueuedBytes?: number;
  /** Items per batch sent to a worker. */
  chunk?: number;
  /** Batches in flight per worker (one being verified, the next already there). */
  depth?: number;
}

/** One worker per spare core, at least one and at most four. */
export const defaultVerifyWorkers = (): number => Math.max(1, Math.min(4, availableParallelism() - 1));

interface Request {
  results: boolean[];
  left: number;
  resolve: (r: boolean[]) => void;
  reject: (e: unknown) => void;
}

interface Task {
  id: number;
  items: VerifyItem[];
  request: Request;
  /** Position of items[0] in the request's results. */
  base: number;
  /** Message bytes of its items. */
  bytes: number;
  attempts: number;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Task>;
}

interface Packed {
  id: number;
  keys: string[];
  keyIdx: Uint16Array;
  sigs: Uint8Array;
  msgs: Uint8Array;
  offsets: Uint32Array;
}

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private queued = 0;
  private queuedBytes = 0;
  private readonly room: (() => void)[] = [];
  private nextId = 1;
  private closed = false;
  /** Worker threads running (0: verification on the calling thread). */
  readonly workers: number;
  private readonly maxQueued: number;
  private readonly maxQueuedBytes: number;
  private readonly chunk: number;
  private readonly depth: number;
  /** Items verified since start (for stats and benches). */
  verified = 0;

  constructor(
    private readonly logger: Logger | null = null,
    init: VerifyPoolInit = {},
  ) {
    this.workers = init.workers ?? defaultVerifyWorkers();
    this.maxQueued = init.maxQueued ?? 20_000;
    this.maxQueuedBytes = init.maxQueuedBytes ?? 16 * 2 ** 20;
    this.chunk = init.chunk ?? 128;
    this.depth = init.depth ?? 2;
  }

  /** Threads start with the first batch: a node that never sees a signed article never starts one. */
  private ensureStarted(): void {
    if (this.slots.length === 0) for (let i = 0; i < this.workers; i++) this.slots.push(this.spawn());
  }

  /** Items queued or in flight. */
  get pending(): number {
    let n = this.queued;
    for (const s of this.slots) for (const t of s.inFlight.values()) n += t.items.length;
    return n;
  }

  /** Message bytes queued or in flight. */
  get pendingBytes(): number {
    let n = this.queuedBytes;
    for (const s of this.slots) for (const t of s.inFlight.values()) n += t.bytes;
    return n;
  }

  /** One verdict per item, in order. */
  async verify(items: VerifyItem[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    if (this.closed) throw closedError();
    if (this.workers === 0) {
      this.verified += items.length;
      return items.map((it) => verifyBytes(it.key, it.message, it.signature));
    }
    // A request bigger than the whole queue still goes in once the queue is empty.
    let bytes = 0;
    for (const it of items) bytes += it.message.byteLength;
    while (this.queued > 0 && !this.fits(items.length, bytes)) await new Promise<void>((r) => this.room.push(r));
    if (this.closed) throw closedError();
    this.ensureStarted();
    return new Promise<boolean[]>((resolve, reject) => {
      const request: Request = { results: new Array<boolean>(items.length).fill(false), left: items.length, resolve, reject };
      for (let base = 0; base < items.length; base += this.chunk) {
        const part = items.slice(base, base + this.chunk);
        let partBytes = 0;
        for (const it of part) partBytes += it.message.byteLength;
        this.queue.push({ id: this.nextId++, items: part, request, base, bytes: partBytes, attempts: 0 });
      }
      this.queued += items.length;
      this.queuedBytes += bytes;
      this.pump();
    });
  }

  /** Room for a request of `n` items and `bytes` message bytes in the queue. */
  private fits(n: number, bytes: number): boolean {
    return this.queued + n <= this.maxQueued && this.queuedBytes + bytes <= this.maxQueuedBytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = closedError();
    for (const t of this.queue.splice(0)) t.request.reject(err);
    this.queued = 0;
    this.queuedBytes = 0;
    for (const wake of this.room.splice(0)) wake();
    await Promise.all(
      this.slots.map(async (s) => {
        for (const t of s.inFlight.values()) t.request.reject(err);
        s.inFlight.clear();
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(VERIFY_WORKER_SOURCE, { eval: true, name: 'newsmesh-verify' });
    const slot: Slot = { worker, inFlight: new Map() };
    worker.unref();
    worker.on('message', (m: { id: number; ok: Uint8Array }) => this.done(slot, m));
    worker.on('error', (err) => this.lost(slot, err));
    worker.on('exit', (code) => {
      if (!this.closed) this.lost(slot, new Error(`verification worker exited with code ${code}`));
    });
    return slot;
  }

  /** Hands queued batches to workers with room, least busy first. */
  private pump(): void {
    while (this.queue.length > 0) {
      let best: Slot | null = null;
      for (const s of this.slots) if (s.inFlight.size < this.depth && (best === null || s.inFlight.size < best.inFlight.size)) best = s;
      if (best === null) break;
      const task = this.queue.shift()!;
      this.queued -= task.items.length;
      this.queuedBytes -= task.bytes;
      if (best.inFlight.size === 0) best.worker.ref();
      best.inFlight.set(task.id, task);
      const packed = pack(task);
      best.worker.postMessage(packed, [packed.keyIdx.buffer, packed.sigs.buffer, packed.msgs.buffer, packed.offsets.buffer] as ArrayBuffer[]);
    }
    while (this.room.length > 0 && this.queued < this.maxQueued && this.queuedBytes < this.maxQueuedBytes) this.room.shift()!();
  }

  private done(slot: Slot, m: { id: number; ok: Uint8Array }): void {
    const task = slot.inFlight.get(m.id);
    if (!task) return;
    slot.inFlight.delete(m.id);
    if (slot.inFlight.size === 0) slot.worker.unref();
    const { request } = task;
    for (let i = 0; i < task.items.length; i++) request.results[task.base + i] = m.ok[i] === 1;
    this.verified += task.items.length;
    request.left -= task.items.length;
    if (request.left === 0) request.resolve(request.results);
    this.pump();
  }

  /** A worker failed: replace it and try its batches once more (a second failure rejects). */
  private lost(slot: Slot, err: unknown): void {
    const at = this.slots.indexOf(slot);
    if (at < 0 || this.closed) return;
    this.logger?.error({ err }, 'verification worker failed; starting a new one');
    slot.worker.removeAllListeners();
    void slot.worker.terminate().catch(() => undefined);
    this.slots[at] = this.spawn();
    const retry: Task[] = [];
    for (const t of slot.inFlight.values()) {
      if (t.attempts >= 1) t.request.reject(err);
      else retry.push({ ...t, attempts: t.attempts + 1 });
    }
    slot.inFlight.clear();
    for (const t of retry) {
      this.queued += t.items.length;
      this.queuedBytes += t.bytes;
    }
    this.queue.unshift(...retry);
    this.pump();
  }
}

/** One batch as four transferable arrays: nothing is copied again on the way to the worker. */
function pack(task: Task): Packed {
  const n = task.items.length;
  const keys: string[] = [];
  const keyAt = new Map<string, number>();
  const keyIdx = new Uint16Array(n);
  const sigs = new Uint8Array(64 * n);
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) total += task.items[i].message.byteLength;
  const msgs = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const it = task.items[i];
    let k = keyAt.get(it.key);
    if (k === undefined) {
      k = keys.length;
      keys.push(it.key);
      keyAt.set(it.key, k);
    }
    keyIdx[i] = k;
    const sig = Buffer.from(it.signature, 'base64url');
    // A signature of the wrong length stays all zeros: no key verifies it.
    if (sig.length === 64) sigs.set(sig, 64 * i);
    offsets[i] = at;
    msgs.set(it.message, at);
    at += it.message.byteLength;
  }
  offsets[n] = at;
  return { id: task.id, keys, keyIdx, sigs, msgs, offsets };
}

/** Work cut by shutdown: the sender is told to come back (503), nothing was stored nor acknowledged. */
function closedError(): NmError {
  return new NmError('NM_ERR_UNAVAILABLE', 'the node is shutting down: signature checks have stopped; retry later');
}
