/**
 * The index side of a swarm mirror (swarm-runner.ts): what every source's group index listed
 * and this node lacks. Each wanted id is held once, with the sources that list it and the
 * slices of their indexes it belongs to; a source's queue holds the wanted ids it may fetch,
 * its slices the runs of index entries its cursor passes once none of their ids is wanted.
 * No I/O: the runner reads the pages and the history and hands them in. Bounded by the
 * runner, which reads a page only while a source lists fewer than `walkAhead` unsettled ids;
 * `written` keeps the ids written lately, at most `keepWritten` (a FIFO).
 */
import { LIMITS } from '../../protocol/limits';
import type { ArchiveIndexReply } from '../../protocol/archive-messages';
import type { HistoryRecord } from '../store/records';

/** A run of one source's index entries; its end is the cursor once nothing in it is wanted. */
export interface Slice {
  lastN: number;
  /** Entries held before the job began (counted when the cursor passes them). */
  held: number;
  /** Wanted ids of the slice not yet settled. */
  waiting: number;
}

interface Want {
  /** Sources that list the id and have not failed. */
  holders: number[];
  slices: Slice[];
  /** The source fetching it now, or -1. */
  taker: number;
}

/** One source's share of the index state. */
export interface SourceIndex {
  /** Wanted ids this source lists (lazily cleaned: settled or taken ids are skipped). */
  queue: string[];
  head: number;
  slices: Slice[];
  /** Wanted ids it listed that are not settled. */
  unsettled: number;
  exhausted: boolean;
}

export const emptySourceIndex = (): SourceIndex => ({ queue: [], head: 0, slices: [], unsettled: 0, exhausted: false });

export class SwarmIndex {
  private readonly wanted = new Map<string, Want>();
  /**
   * Ids this walk wrote (or saw refused) lately, oldest first: an index page whose history was
   * read while their commit was still being written would want them again (bounded FIFO).
   */
  private readonly written = new Set<string>();

  constructor(
    private readonly sources: readonly SourceIndex[],
    private readonly batchIds: number,
  ) {}

  isWanted(id: string): boolean {
    return this.wanted.has(id);
  }

  /** Source i is fetching the id now. */
  takenBy(id: string, i: number): boolean {
    return this.wanted.get(id)?.taker === i;
  }

  /** Ids of a page whose history must be read (the others are wanted or written already). */
  unknownIds(page: ArchiveIndexReply): { known: boolean[]; unknown: string[] } {
    const known = page.entries.map((e) => this.wanted.has(e.id) || this.written.has(e.id));
    return { known, unknown: page.entries.filter((_, k) => !known[k]).map((e) => e.id) };
  }

  /**
   * Adds one index page of source i, cut into slices of at most `batchIds` wanted ids.
   * `found`: the history of the unknown ids, in order; `since`: when the job began.
   */
  addPage(i: number, page: ArchiveIndexReply, known: boolean[], found: (HistoryRecord | undefined)[], now: number, since: number): void {
    let f = 0;
    const hist = known.map((k) => (k ? undefined : found[f++]));
    const src = this.sources[i];
    for (let start = 0; start < page.entries.length; ) {
      const slice: Slice = { lastN: 0, held: 0, waiting: 0 };
      let end = start;
      for (; end < page.entries.length && slice.waiting < this.batchIds; end++) {
        const { id } = page.entries[end];
        const h = hist[end];
        // Held since the job began: counted when it came (by this job), not again. A tombstone
        // (removed here on purpose) counts as held and is never fetched, as in a one-source job.
        if (h?.s === 'a' || h?.s === 'g') slice.held += h.at < since ? 1 : 0;
        else if (this.written.has(id)) continue;
        else if (known[end] || !h || now - h.at >= LIMITS.rejectedMemoryMs) this.want(i, id, slice);
      }
      slice.lastN = page.entries[end - 1].n;
      src.slices.push(slice);
      start = end;
    }
  }

  /** Adds id to the wanted set (or joins the want another source made) for source i's slice. */
  private want(i: number, id: string, slice: Slice): void {
    let w = this.wanted.get(id);
    if (w && w.holders.includes(i)) return;
    if (!w) {
      w = { holders: [], slices: [], taker: -1 };
      this.wanted.set(id, w);
    }
    w.holders.push(i);
    w.slices.push(slice);
    slice.waiting++;
    this.sources[i].unsettled++;
    this.sources[i].queue.push(id);
  }

  /** Up to `n` wanted ids from source i's queue that nobody is fetching. */
  take(i: number, n: number): string[] {
    const src = this.sources[i];
    const out: string[] = [];
    while (out.length < n && src.head < src.queue.length) {
      const id = src.queue[src.head++];
      const w = this.wanted.get(id);
      if (!w || w.taker !== -1 || !w.holders.includes(i)) continue;
      w.taker = i;
      out.push(id);
    }
    if (src.head > 4096 && src.head * 2 > src.queue.length) {
      src.queue = src.queue.slice(src.head);
      src.head = 0;
    }
    return out;
  }

  /** Puts ids back for every live source that lists them (front of nobody's line: the end). */
  giveBack(ids: string[]): void {
    for (const id of ids) {
      const w = this.wanted.get(id);
      if (!w) continue;
      w.taker = -1;
      for (const h of w.holders) this.sources[h].queue.push(id);
    }
  }

  /** Source i lacks these ids: others that list them get them; returns how many nobody else lists (settled as missing). */
  dropHolder(i: number, ids: string[]): number {
    let missing = 0;
    for (const id of ids) {
      const w = this.wanted.get(id);
      if (!w) continue;
      if (!w.holders.includes(i)) continue;
      w.holders = w.holders.filter((h) => h !== i);
      this.sources[i].unsettled--;
      w.taker = -1;
      if (w.holders.length === 0) {
        missing++;
        this.settle(id);
      } else for (const h of w.holders) this.sources[h].queue.push(id);
    }
    return missing;
  }

  /** The id is written (or refused) here: no source is waiting for it any more. */
  settle(id: string): void {
    const w = this.wanted.get(id);
    if (!w) return;
    this.wanted.delete(id);
    for (const s of w.slices) s.waiting--;
    for (const h of w.holders) this.sources[h].unsettled--;
  }

  /** Remembers a written id, forgetting the oldest past `keep`. */
  markWritten(id: string, keep: number): void {
    this.written.add(id);
    for (const old of this.written) {
      if (this.written.size <= keep) break;
      this.written.delete(old);
    }
  }

  /** Calls `passed` for each source's settled slices, oldest first; true when any passed. */
  advance(passed: (i: number, slice: Slice) => void): boolean {
    let moved = false;
    this.sources.forEach((src, i) => {
      while (src.slices.length > 0 && src.slices[0].waiting === 0) {
        passed(i, src.slices.shift() as Slice);
        moved = true;
      }
    });
    return moved;
  }

  /** Source i is given up: what it listed goes to the others; returns how many nobody else lists. */
  giveUp(i: number): number {
    const mine: string[] = [];
    for (const [id, w] of this.wanted) if (w.holders.includes(i)) mine.push(id);
    const missing = this.dropHolder(i, mine);
    const src = this.sources[i];
    src.slices = [];
    src.queue = [];
    src.head = 0;
    return missing;
  }
}
