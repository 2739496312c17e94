/**
 * What node/main.ts wires together. A NodePart is one long-lived feature (gossip, mirror,
 * pages) built from the shared components: it may add routes to either listener and may
 * need starting once the listeners are bound and stopping before the store closes.
 */
import type { Clock } from './clock';
import type { NodeConfig } from './config';
import type { Ingest } from './ingest/ingest';
import type { NodeKey } from './identity/node-key';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { NodeService } from './service';
import type { Store } from './store/store';
import type { RoutePlugin } from './web-app';

export interface NodeComponents {
  config: NodeConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  ingest: Ingest;
  service: NodeService;
  /** The node's Ed25519 identity (node/identity/node-key.ts). */
  nodeKey: NodeKey;
}

export interface NodePart {
  readonly name: string;
  webRoutes?: RoutePlugin[];
  peerRoutes?: RoutePlugin[];
  /** Called after both listeners are bound (identity URLs are known). */
  start?(): Promise<void>;
  /** Called before the listeners and the store close. */
  stop?(): Promise<void>;
}

export type PartFactory = (components: NodeComponents) => NodePart;
