/**
 * The mirror part: archive routes on the peer listener, mirror jobs (the MirrorService set on
 * NodeService), and the mirror/export/import routes of the local API. Jobs that were running
 * resume when the node starts; they stop (cursor saved) before the store closes.
 */
import { LIMITS } from '../../protocol/limits';
import type { NodePart, PartFactory } from '../part';
import type { BaseApp } from '../http/base-app';
import { HttpTransport } from '../gossip/http-transport';
import { archiveRoutes } from '../archive/archive-routes';
import { readCheck } from '../archive/read-access';
import { mirrorsRoutes } from '../api/mirrors-routes';
import { exportRoutes } from '../api/export-routes';
import { MirrorJobs } from './mirror-jobs';

/** Tuning from the environment (tests slow a mirror down to interrupt it midway). */
function envInt(name: string, def: number, max: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? Math.min(v, max) : def;
}

export const mirrorPart: PartFactory = (components): NodePart => {
  const { store, config, service } = components;
  const transport = new HttpTransport({ metrics: components.metrics }, { connectionsPerPeer: 4 });
  const jobs = new MirrorJobs(
    { ...components, logger: components.logger.child({ component: 'mirror' }) },
    {
      transport,
      maxArticleBytes: config.maxArticleBytes,
      pageSize: envInt('NEWSMESH_MIRROR_PAGE', LIMITS.indexPageMax, LIMITS.indexPageMax),
      // Small SENDMEs, a few in flight: as fast as 1000-id ones on loopback, and each ingest
      // commit stays small enough that the heap (peak RSS) stays flat well under 200 MB.
      batchIds: envInt('NEWSMESH_MIRROR_BATCH', 200, LIMITS.idsPerBatchMax),
      fetchAhead: envInt('NEWSMESH_MIRROR_AHEAD', 2, 8),
      backoffMinMs: 500,
      backoffMaxMs: 60_000,
      giveUpMs: envInt('NEWSMESH_MIRROR_GIVE_UP_MS', 15 * 60_000, 24 * 3600_000),
      // Peers are gossip's (its in-memory table); without gossip no URL is a known peer.
      peerNameByUrl: async (url) => service.peers?.peerAtUrl(url)?.name ?? null,
      tokenFor: async (url) => service.peers?.peerAtUrl(url)?.token,
    },
  );
  service.mirrors = jobs;
  const check = readCheck(config.publicRead, async (auth) => service.peers?.peerForAuthorization(auth) ?? null);
  return {
    name: 'mirror',
    peerRoutes: [(app: BaseApp) => app.register(archiveRoutes, { store, metrics: components.metrics, check })],
    webRoutes: [
      (app: BaseApp) => app.register(mirrorsRoutes, { mirrors: jobs }),
      (app: BaseApp) => app.register(exportRoutes, { store, ingest: components.ingest }),
    ],
    start: () => jobs.resume(),
    stop: async () => {
      await jobs.stop();
      await transport.close();
    },
  };
};
