/**
 * Retention (`--retain`, protocol/retention.ts): a background job that removes expired
 * articles, by age (accepted longer ago than the group's age rule; a crosspost goes only once
 * every group it is in lets it go) and by size (a size rule's groups together above their
 * bytes: the oldest go first). It works in slices of `slice` articles, each one removal
 * commit (node/takedown/remover.ts, tombstones by `expiry` that last --history-days), with a
 * pause between slices, so the ingest's commits for posts and gossip keep flowing between them.
 * Size rules read their groups' bytes from running totals (size-tally.ts), not the whole index.
 */
import type { GroupRetention, RetentionPolicy } from '../../protocol/retention';
import { BackgroundJob } from '../background-job';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { key, lastPart, prefixRange, unpad } from '../store/keys';
import type { OverviewRecord } from '../store/records';
import type { Store } from '../store/store';
import type { Remover, RemovalTarget } from './remover';
import { SizeTally, sizeOf } from './size-tally';

export interface RetentionInit {
  policy: RetentionPolicy;
  /** Pause between sweeps. */
  sweepEveryMs: number;
  /** Articles per removal commit. */
  slice: number;
  /** Pause between slices (ms): room for the ingest's own commits. */
  pauseMs: number;
}

interface Candidate {
  id: string;
  at: number;
  bytes: number;
  reason: string;
}

export class RetentionJob {
  private readonly job: BackgroundJob;
  /** Running byte totals of the size rules' groups (null without size rules). */
  readonly sizes: SizeTally | null;
  /** Articles expired since start (status, tests). */
  expired = 0;

  constructor(
    private readonly c: { store: Store; clock: Clock; logger: Logger; remover: Remover; also?: () => Promise<void> },
    private readonly init: RetentionInit,
  ) {
    this.sizes = init.policy.rules.some((r) => r.kind === 'size') ? new SizeTally(c) : null;
    this.job = new BackgroundJob(c, { everyMs: init.sweepEveryMs, failed: 'retention sweep failed; trying again at the next sweep' }, async () => {
      const n = await this.sweep();
      if (n > 0) this.c.logger.info({ expired: n }, 'articles expired by --retain');
      await this.c.also?.();
    });
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** One pass over every group; returns how many articles went. */
  async sweep(): Promise<number> {
    const policy = this.init.policy;
    if (policy.keepsAll) return 0;
    let total = 0;
    const groups = await this.c.store.listGroups();
    for (const g of groups) {
      if (this.job.stopped) break;
      const rule = policy.forGroup(g.name);
      if (rule.maxAgeMs !== null) total += await this.byAge(g.name, rule);
    }
    const pools = new Map<number, string[]>();
    for (const g of groups) {
      const pool = policy.forGroup(g.name).pool;
      if (pool !== null) pools.set(pool, [...(pools.get(pool) ?? []), g.name]);
    }
    for (const [pool, names] of pools) if (!this.job.stopped) total += await this.bySize(policy.rules[pool].bytes!, policy.rules[pool].text, names);
    this.expired += total;
    return total;
  }

  /** Whether every group the entry is in lets it go by age (a group with no age rule keeps it). */
  private agedOut(ov: OverviewRecord, group: string, now: number): boolean {
    const at = ov.at ?? Date.parse(ov.date);
    const groups = ov.xref ? Object.keys(ov.xref) : [group];
    return groups.every((g) => {
      const max = this.init.policy.forGroup(g).maxAgeMs;
      return max !== null && at < now - max;
    });
  }

  private async byAge(group: string, rule: GroupRetention): Promise<number> {
    let removed = 0;
    let after = 0;
    for (;;) {
      if (this.job.stopped) return removed;
      const now = this.c.clock.now();
      const slice: RemovalTarget[] = [];
      const limit = this.init.slice * 4;
      let young = false;
      let seen = 0;
      const range = prefixRange(group);
      for await (const [k, ov] of this.c.store.subs.groupIndex.iterator({ gt: key(group, after), lt: range.lt, limit })) {
        seen++;
        // The index is in acceptance order: the first article young enough here ends the pass.
        if ((ov.at ?? Date.parse(ov.date)) >= now - rule.maxAgeMs!) {
          young = true;
          break;
        }
        after = unpad(lastPart(k));
        if (this.agedOut(ov, group, now)) slice.push({ id: ov.id, by: 'expiry', reason: `expired (--retain ${rule.ageRule})` });
        if (slice.length >= this.init.slice) break;
      }
      if (slice.length > 0) removed += (await this.c.remover.remove(slice)).length;
      if (young || (seen < limit && slice.length < this.init.slice)) return removed;
      await this.job.pause(this.init.pauseMs);
    }
  }

  /** Removes the oldest articles of a size rule's groups until they fit in `limit` bytes. */
  private async bySize(limit: number, text: string, groups: string[]): Promise<number> {
    let bytes = await this.sizes!.bytes(groups);
    let removed = 0;
    while (bytes > limit && !this.job.stopped) {
      // The oldest entries of each group, merged by acceptance time.
      const heads: Candidate[] = [];
      for (const g of groups) {
        for await (const ov of this.c.store.subs.groupIndex.values({ ...prefixRange(g), limit: this.init.slice })) {
          heads.push({ id: ov.id, at: ov.at ?? Date.parse(ov.date), bytes: sizeOf(ov), reason: `expired (--retain ${text}: the groups hold more)` });
        }
      }
      heads.sort((a, b) => a.at - b.at);
      const slice: RemovalTarget[] = [];
      const seen = new Set<string>();
      let excess = bytes - limit;
      for (const h of heads) {
        if (excess <= 0 || slice.length >= this.init.slice) break;
        if (seen.has(h.id)) continue;
        seen.add(h.id);
        slice.push({ id: h.id, by: 'expiry', reason: h.reason });
        excess -= h.bytes;
        bytes -= h.bytes;
      }
      if (slice.length === 0) break;
      removed += (await this.c.remover.remove(slice)).length;
      await this.job.pause(this.init.pauseMs);
    }
    return removed;
  }
}
