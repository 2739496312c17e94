/**
 * The mirror part: archive routes on the peer listener, mirror jobs (registered as the
 * `mirrors` feature), and the mirror/export/import routes of the local API. Jobs call peers
 * through the node's shared transport (node/main.ts closes it). Jobs that were running resume
 * when the node starts; they stop (cursor saved) before the store closes.
 */
import type { NodePart, PartFactory } from '../part';
import type { BaseApp } from '../http/base-app';
import { archiveRoutes } from '../archive/archive-routes';
import { readCheck } from '../archive/read-access';
import { mirrorsRoutes } from '../api/mirrors-routes';
import { exportRoutes } from '../api/export-routes';
import { importRoutes } from '../api/import-routes';
import { ServeRate } from '../archive/serve-rate';
import { MirrorJobs } from './mirror-jobs';

export const mirrorPart: PartFactory = (components): NodePart => {
  const { store, config, features, transport } = components;
  const { tuning } = config;
  // Peers are gossip's (its in-memory table), looked up when asked: without gossip no URL is a known peer.
  const peers = () => features.get('peers');
  const jobs = new MirrorJobs(
    { ...components, logger: components.logger.child({ component: 'mirror' }) },
    {
      transport,
      maxArticleBytes: config.maxArticleBytes,
      pageSize: tuning.mirrorPageSize,
      // Small SENDMEs, a few in flight: as fast as 1000-id ones on loopback, and each ingest
      // commit stays small enough that the heap (peak RSS) stays flat well under 200 MB.
      batchIds: tuning.mirrorBatchIds,
      fetchAhead: tuning.mirrorFetchAhead,
      backoffMinMs: 500,
      backoffMaxMs: 60_000,
      giveUpMs: tuning.mirrorGiveUpMs,
      peerNameByUrl: async (url) => peers()?.peerAtUrl(url)?.name ?? null,
      tokenFor: async (url) => peers()?.peerAtUrl(url)?.token,
    },
  );
  features.provide('mirrors', jobs);
  const serveRate = new ServeRate(components.clock, { rate: config.serveRate });
  const check = readCheck(config.publicRead, async (auth) => peers()?.peerForAuthorization(auth) ?? null);
  return {
    name: 'mirror',
    peerRoutes: [(app: BaseApp) => app.register(archiveRoutes, { store, metrics: components.metrics, check, serveRate: { bucket: serveRate, clock: components.clock } })],
    webRoutes: [
      (app: BaseApp) => app.register(mirrorsRoutes, { mirrors: jobs }),
      (app: BaseApp) => app.register(exportRoutes, { store }),
      (app: BaseApp) => app.register(importRoutes, { ingest: components.ingest }),
    ],
    start: () => jobs.resume(),
    stop: () => jobs.stop(),
  };
};
