/**
 * The gossip engine's watchdog: every `watchdogMs` on the node's clock it drops expired
 * per-peer memory (and strikes peers whose in-flight marks expired), expires strangers'
 * records left pending or silent, saves the peer records touched in memory, and restarts
 * links whose queue stopped moving while their peer still answers. Until the engine stops.
 */
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { LinkRegistry } from './link-registry';
import type { Peering } from './peering';
import type { PeerTable } from './peer-table';

export interface WatchdogComponents {
  clock: Clock;
  log: Logger;
  table: PeerTable;
  links: LinkRegistry;
  peering: Peering;
  /** Drops expired per-peer memory (GossipEngine.sweepMemory). */
  sweepMemory: () => void;
  /** The engine's stop. */
  stopping: AbortSignal;
}

export async function runWatchdog(c: WatchdogComponents, watchdogMs: number): Promise<void> {
  while (!c.stopping.aborted) {
    await c.clock.sleep(watchdogMs, c.stopping);
    if (c.stopping.aborted) return;
    c.sweepMemory();
    await c.peering.expireStrangers().catch((err) => c.log.warn({ err }, 'cannot expire stranger peers'));
    await c.table.flush().catch((err) => c.log.warn({ err }, 'cannot save peer records'));
    for (const link of c.links.all()) await link.checkStall().catch(() => false);
  }
}
