/**
 * The takedown part (issue 12 parts 3-6): owner removals, author cancels, block rules and
 * retention. It adds two ingest hooks (`block` and `cancel` vets), registers the `takedown`
 * feature service, serves its local API routes and runs the retention job, which also drops
 * pending cancels older than the history window. It is built and started first, so the
 * block rules and pending cancels are loaded before gossip and mirror jobs start.
 */
import { parseRetention } from '../../protocol/retention';
import { takedownRoutes } from './takedown-routes';
import type { BaseApp } from '../http/base-app';
import { articleSigner } from '../identity/article-signing';
import type { NodePart, PartFactory } from '../part';
import { Blocks } from './blocks';
import { Cancels } from './cancels';
import { Remover } from './remover';
import { RetentionJob } from './retention-job';
import { TakedownService } from './takedown-service';

const DAY_MS = 24 * 3_600_000;

export const takedownPart: PartFactory = (components): NodePart => {
  const { store, ingest, clock, config, features, nodeKey, service } = components;
  const logger = components.logger.child({ component: 'takedown' });
  const remover = new Remover({ store, ingest, clock, logger, reading: () => features.get('reading') });
  const cancels = new Cancels({ store, ingest, clock, logger, remover }, { windowMs: config.historyDays * DAY_MS });
  const blocks = new Blocks({ store, clock });
  const { tuning } = config;
  const retention = new RetentionJob(
    { store, clock, logger: components.logger.child({ component: 'retention' }), remover, also: async () => void (await cancels.expire()) },
    { policy: parseRetention(config.retain), sweepEveryMs: tuning.retainSweepMs, slice: tuning.retainSlice, pauseMs: tuning.retainPauseMs },
  );
  const takedown = new TakedownService({ store, clock, service, signer: articleSigner(nodeKey), remover, cancels, blocks, retention });
  features.provide('takedown', takedown);
  ingest.addHook(blocks.hook());
  ingest.addHook(cancels.hook());
  return {
    name: 'takedown',
    webRoutes: [(app: BaseApp) => app.register(takedownRoutes, { takedown })],
    start: async () => {
      await blocks.load();
      await cancels.start();
      retention.start();
    },
    stop: () => retention.stop(),
  };
};
