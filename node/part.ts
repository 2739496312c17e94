/**
 * What node/main.ts wires together. A NodePart is one long-lived feature (gossip, mirror,
 * pages) built from the shared components: it may register a feature service, add routes to
 * either listener, and may need starting once the listeners are bound and stopping after they
 * have closed and before the store closes.
 */
import type { Clock } from './clock';
import type { NodeConfig } from './config';
import type { FeatureRegistry } from './feature-services';
import type { Ingest } from './ingest/ingest';
import type { NodeIdentity } from './identity/node-identity';
import type { SignatureScreen } from './ingest/signature-screen';
import type { NodeKey } from './identity/node-key';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { AddressPolicy } from './net/address-policy';
import type { Transport } from './net/transport';
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
  /** Who the node is; its URLs are bound once the listeners are (node/identity/node-identity.ts). */
  identity: NodeIdentity;
  /** Where parts register their feature services while they are built (sealed before start). */
  features: FeatureRegistry;
  service: NodeService;
  /** The node's Ed25519 identity (node/identity/node-key.ts). */
  nodeKey: NodeKey;
  /** Signs what the owner injects, verifies signed arrivals once (node/ingest/signature-screen.ts). */
  signatures: SignatureScreen;
  /** The one way to call other nodes, shared by gossip and mirror (closed by node/main.ts). */
  transport: Transport;
  /** Which addresses a URL named by a stranger may be dialled at (the transport checks its dials). */
  policy: AddressPolicy;
}

export interface NodePart {
  readonly name: string;
  webRoutes?: RoutePlugin[];
  peerRoutes?: RoutePlugin[];
  /** Called after both listeners are bound (identity URLs are known). */
  start?(): Promise<void>;
  /** Called after the listeners have closed, before the store closes. */
  stop?(): Promise<void>;
}

export type PartFactory = (components: NodeComponents) => NodePart;
