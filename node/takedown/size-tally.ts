/**
 * The bytes the groups of size rules hold (`--retain NAME=SIZE`), as running totals, so that a
 * retention sweep reads what arrived since the last one instead of the whole index. Per group:
 * the sum over its index entries numbered up to `upTo`. A catch-up reads on from `upTo`;
 * removals (Remover.onRemoved) take off what was counted. Catch-ups run between removals
 * (Remover.exclusive), a bounded chunk at a time, so an entry is never counted after its
 * removal was heard and owner removals never wait for more than one chunk.
 */
import { key, lastPart, prefixRange, unpad } from '../store/keys';
import type { OverviewRecord } from '../store/records';
import type { Store } from '../store/store';
import type { RemovedEntry, Remover } from './remover';

/** What an index entry counts for (entries from before overview sizes: an estimate). */
export const sizeOf = (ov: OverviewRecord): number => ov.bytes ?? ov.subject.length + ov.from.length + 200;

/** Index entries read per catch-up step (one step holds removals back while it reads). */
const CHUNK = 5_000;

export class SizeTally {
  private readonly groups = new Map<string, { upTo: number; bytes: number }>();
  /** Index entries read so far (status, tests: the work per sweep). */
  entriesRead = 0;

  constructor(
    private readonly c: { store: Store; remover: Remover },
    private readonly chunk = CHUNK,
  ) {
    c.remover.onRemoved((entries) => this.removed(entries));
  }

  /** The bytes `groups` hold together, after reading what they took in since the last call. */
  async bytes(groups: readonly string[]): Promise<number> {
    let sum = 0;
    for (const g of groups) {
      while (await this.c.remover.exclusive(() => this.catchUp(g)));
      sum += this.groups.get(g)?.bytes ?? 0;
    }
    return sum;
  }

  /** Reads one chunk of `group`'s new entries; answers whether more may follow. */
  private async catchUp(group: string): Promise<boolean> {
    const t = this.groups.get(group) ?? { upTo: 0, bytes: 0 };
    this.groups.set(group, t);
    let read = 0;
    for await (const [k, ov] of this.c.store.subs.groupIndex.iterator({ gt: key(group, t.upTo), lt: prefixRange(group).lt, limit: this.chunk })) {
      t.bytes += sizeOf(ov);
      t.upTo = unpad(lastPart(k));
      read++;
    }
    this.entriesRead += read;
    return read === this.chunk;
  }

  private removed(entries: readonly RemovedEntry[]): void {
    for (const e of entries) {
      const t = this.groups.get(e.group);
      if (t && e.n <= t.upTo) t.bytes -= sizeOf(e.overview);
    }
  }
}
