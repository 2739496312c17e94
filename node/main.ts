/**
 * Wiring (the only place that does it, STYLE.md section 2): opens the store, builds ingest,
 * service, the node parts and both listeners, and returns a running node that closes cleanly.
 * Used by `newsmesh start` and by tests that run many nodes in one process.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { systemClock, type Clock } from './clock';
import { checkWebAccess, NodeConfigSchema, type NodeConfig, type NodeConfigInput } from './config';
import { Ingest } from './ingest/ingest';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics';
import type { NodeComponents, NodePart, PartFactory } from './part';
import { buildPeerApp } from './peer-app';
import { NodeService } from './service';
import { Store } from './store/store';
import { buildWebApp } from './web-app';
import { listenOrExplain } from './http/listen';
import type { ListenerLimits } from './http/listener-limits';
import { loadNodeKey, type NodeKey } from './identity/node-key';
import { nodeRoutes } from './api/node-routes';
import { defaultParts } from './parts';
import { describeExposure } from './exposure';

/** This machine's non-internal interface addresses: candidates for --public-url. */
function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && !i.address.startsWith('fe80:'))
    .map((i) => i!.address);
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Replaces the default parts (tests). */
  parts?: PartFactory[];
  /** Time and connection bounds of both listeners (tests use small ones). */
  listenerLimits?: Partial<ListenerLimits>;
}

export interface RunningNode {
  name: string;
  webUrl: string;
  peerUrl: string;
  /** `nntp://host:port`, unless --nntp off. */
  nntpUrl?: string;
  components: NodeComponents;
  close(): Promise<void>;
}

async function loadName(store: Store, wanted: string | undefined, clock: Clock): Promise<string> {
  const identity = await store.identity();
  const name = wanted ?? identity?.name ?? `node-${randomBytes(4).toString('hex')}`;
  if (identity?.name !== name) await store.setIdentity({ name, createdAt: identity?.createdAt ?? clock.now() });
  return name;
}

export async function startNode(input: NodeConfigInput, opts: StartOptions = {}): Promise<RunningNode> {
  const config: NodeConfig = NodeConfigSchema.parse(input);
  // Refused before anything is made or logged (the data dir, the key).
  checkWebAccess(config);
  const clock = opts.clock ?? systemClock;
  const store = await Store.open(config.data);
  const name = await loadName(store, config.name, clock);
  const logger = opts.logger ?? createLogger(name);
  let nodeKey: NodeKey;
  try {
    nodeKey = await loadNodeKey(config.data, logger);
  } catch (err) {
    await store.close();
    throw err;
  }
  logger.info({ fingerprint: nodeKey.fingerprint, key: nodeKey.key }, `node key ${nodeKey.fingerprint}`);
  const metrics = new Metrics();
  const ingest = new Ingest({ store, clock, logger: logger.child({ component: 'ingest' }), metrics }, { name, maxArticleBytes: config.maxArticleBytes });
  await ingest.start();
  const service = new NodeService({ store, ingest, clock, metrics }, { name, key: nodeKey.key, fingerprint: nodeKey.fingerprint, webUrl: '', peerUrl: '' });
  const components: NodeComponents = { config, store, clock, logger, metrics, ingest, service, nodeKey };
  let parts: NodePart[];
  try {
    parts = (opts.parts ?? defaultParts).map((f) => f(components));
  } catch (err) {
    // A part refusing its config (e.g. a non-loopback --web without a password) must not leave the store locked.
    await store.close();
    throw err;
  }

  const limits = opts.listenerLimits;
  const web = buildWebApp({ service, logger, clock, config, limits }, [(app) => app.register(nodeRoutes, { service }), ...parts.flatMap((p) => p.webRoutes ?? [])]);
  const peer = buildPeerApp({ name, logger, clock, maxArticleBytes: config.maxArticleBytes, limits }, parts.flatMap((p) => p.peerRoutes ?? []));
  const started: NodePart[] = [];
  try {
    service.identity.webUrl = await listenOrExplain(web, config.web, '--web');
    const bound = await listenOrExplain(peer, config.listen, '--listen');
    service.identity.peerUrl = config.publicUrl ?? bound;
    const exposure = describeExposure({ ...config, boundUrl: bound, addresses: machineAddresses() });
    logger[exposure.open ? 'warn' : 'info']({ peerUrl: service.identity.peerUrl, acceptPeers: config.acceptPeers, publicRead: config.publicRead }, exposure.summary);
    if (exposure.peerUrlWarning) {
      service.identity.peerUrlWarning = exposure.peerUrlWarning;
      logger.warn({ peerUrl: bound }, exposure.peerUrlWarning);
    }
    for (const p of parts) {
      await p.start?.();
      started.push(p);
    }
  } catch (err) {
    // A part that cannot start (its listener is taken) stops the ones already running.
    for (const p of started.reverse()) await p.stop?.().catch(() => undefined);
    await web.close().catch(() => undefined);
    await peer.close().catch(() => undefined);
    await store.close();
    throw err;
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      for (const p of [...parts].reverse()) await p.stop?.();
      await Promise.all([web.close(), peer.close()]);
      await ingest.flushed();
      await store.close();
      logger.info(`newsmesh ${name} stopped`);
    })());
  const { webUrl, peerUrl, nntpUrl } = service.identity;
  return { name, webUrl, peerUrl, ...(nntpUrl ? { nntpUrl } : {}), components, close };
}
