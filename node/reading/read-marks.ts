/**
 * What the node's owner has read, per group, like a newsreader's `.newsrc`: every article
 * numbered up to `upTo` is read, and so are the numbers listed in `above` (articles read out
 * of order). Kept in the store's readMarks sublevel, cached in memory per group once read.
 * Bounded: `above` holds at most ABOVE_MAX numbers; past that the mark moves up over the
 * oldest of them (what lies below counts as read).
 */
import type { GroupMeta } from '../store/records';
import type { Store } from '../store/store';

export const ABOVE_MAX = 2000;

export interface Marks {
  upTo: number;
  above: number[];
}

export class ReadMarks {
  private readonly cache = new Map<string, Marks>();
  /** Bumped on every change, so cached pages that show marks know they are stale. */
  version = 0;

  constructor(private readonly store: Store) {}

  get(group: string): Marks {
    let m = this.cache.get(group);
    if (!m) {
      m = (this.store.subs.readMarks.getSync(group) as Marks | undefined) ?? { upTo: 0, above: [] };
      this.cache.set(group, m);
    }
    return m;
  }

  isUnread(group: string, n: number): boolean {
    const m = this.get(group);
    return n > m.upTo && !m.above.includes(n);
  }

  /** Unread articles among those numbered low..high (numbers are dense on this node). */
  unreadCount(group: string, meta: Pick<GroupMeta, 'low' | 'high' | 'count'>): number {
    if (meta.count === 0) return 0;
    const m = this.get(group);
    const from = Math.max(m.upTo, meta.low - 1);
    const readAbove = m.above.filter((n) => n > from && n <= meta.high).length;
    return Math.min(meta.count, Math.max(0, meta.high - from - readAbove));
  }

  /** Marks these numbers read; resolves once the change is on disk. */
  async markRead(group: string, ns: number[]): Promise<void> {
    const m = this.get(group);
    const set = new Set(m.above);
    let changed = false;
    for (const n of ns) {
      if (n > m.upTo && !set.has(n)) {
        set.add(n);
        changed = true;
      }
    }
    if (!changed) return;
    let upTo = m.upTo;
    const sorted = [...set].sort((a, b) => a - b);
    let i = 0;
    while (i < sorted.length && sorted[i] === upTo + 1) upTo = sorted[i++];
    let above = sorted.slice(i);
    if (above.length > ABOVE_MAX) {
      upTo = above[above.length - ABOVE_MAX - 1];
      above = above.slice(above.length - ABOVE_MAX);
    }
    await this.save(group, { upTo, above });
  }

  /** Everything up to `upTo` is read. */
  async markAllRead(group: string, upTo: number): Promise<void> {
    const m = this.get(group);
    if (upTo <= m.upTo) return;
    await this.save(group, { upTo, above: m.above.filter((n) => n > upTo) });
  }

  private async save(group: string, m: Marks): Promise<void> {
    this.cache.set(group, m);
    this.version++;
    await this.store.subs.readMarks.put(group, m);
  }
}
