/**
 * Wiring (the only place that does it, STYLE.md section 2): opens the store, builds ingest,
 * the identity, the shared transport, the service and the node parts (which register their
 * feature services, then the registry is sealed), binds both listeners, and returns a running
 * node. Closing stops the listeners first, then the parts, within a bound even when a peer
 * never answers, then the store. Used by `newsmesh start` and by tests that run many nodes in
 * one process.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { systemClock, type Clock } from './clock';
import { checkWebAccess, NodeConfigSchema, type NodeConfig, type NodeConfigInput } from './config';
import { FeatureRegistry } from './feature-services';
import { NodeIdentity } from './identity/node-identity';
import { Ingest } from './ingest/ingest';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics';
import { AddressPolicy, type Resolver } from './net/address-policy';
import { HttpTransport } from './net/http-transport';
import type { Transport } from './net/transport';
import type { InjectableApp } from './net/memory-transport';
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
import { articleSigner } from './identity/article-signing';
import { VerifyPool } from './identity/verify-pool';
import { SignatureScreen } from './ingest/signature-screen';

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
  /** Replaces the shared transport (tests of a broken network, benchmarks counting bytes); closed with the node. */
  transport?: Transport;
  /** Replaces the system resolver of the address policy (tests of DNS answers). */
  resolve?: Resolver;
  /** How long the parts may take to stop before the calls still waiting on peers are cut (ms). */
  stopGraceMs?: number;
  /**
   * Binds the peer listener and answers its URL; by default it listens on --listen. Nodes on a
   * MemoryNetwork (node/net/memory-transport.ts) bind without a socket.
   */
  bindPeer?: (app: InjectableApp) => Promise<string>;
}

/** Parts that have not stopped in this long have their calls to peers cut (StartOptions.stopGraceMs). */
export const STOP_GRACE_MS = 1_500;

export interface RunningNode {
  name: string;
  webUrl: string;
  peerUrl: string;
  /** `nntp://host:port`, unless --nntp off. */
  nntpUrl?: string;
  components: NodeComponents;
  close(): Promise<void>;
}

/** The address policy of a node: its own listener and public URL open their address class. */
function nodeAddressPolicy(config: NodeConfig, identity: NodeIdentity, clock: Clock, resolve?: Resolver): AddressPolicy {
  return new AddressPolicy(
    { clock, ...(resolve ? { resolve } : {}) },
    { allowPrivate: config.allowPrivatePeers, ownHosts: () => [config.listen.host, hostOf(identity.peerUrl)], resolveTimeoutMs: 3_000 },
  );
}

/** The host of a URL, or '' (the policy only reads IP literals and localhost). */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/**
 * Stops the parts in turn. Parts end their own calls to peers as they stop; one that is still
 * waiting on a peer after the grace has its calls cut (the transport closes under it), so a
 * peer that never answers cannot hold the shutdown. A part still not stopped ten graces later
 * (saving something large, or stuck elsewhere) is left behind with an error in the log.
 */
async function stopParts(parts: NodePart[], c: { clock: Clock; logger: Logger; transport: Transport; graceMs: number }): Promise<void> {
  const stopped = (async () => {
    for (const p of parts) await p.stop?.().catch((err: unknown) => c.logger.error({ err, part: p.name }, `part ${p.name} failed to stop`));
  })();
  const inTime = async (ms: number): Promise<boolean> => {
    const grace = new AbortController();
    const done = await Promise.race([stopped.then(() => true), c.clock.sleep(ms, grace.signal).then(() => false)]);
    grace.abort();
    return done;
  };
  if (!(await inTime(c.graceMs))) c.logger.warn({ graceMs: c.graceMs }, 'parts still stopping: cutting the calls that wait on peers');
  await c.transport.close();
  if (!(await inTime(c.graceMs * 10))) c.logger.error({ waitedMs: c.graceMs * 11 }, 'a part did not stop; closing without it');
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
  const logger = opts.logger ?? createLogger(name, config.logLevel);
  let nodeKey: NodeKey;
  try {
    nodeKey = await loadNodeKey(config.data, logger);
  } catch (err) {
    await store.close();
    throw err;
  }
  logger.info({ fingerprint: nodeKey.fingerprint, key: nodeKey.key }, `node key ${nodeKey.fingerprint}`);
  const metrics = new Metrics();
  // Workers start at the first signed arrival: a node that sees none never starts a thread.
  const pool = new VerifyPool(logger.child({ component: 'verify' }), config.tuning.verifyWorkers === undefined ? {} : { workers: config.tuning.verifyWorkers });
  const signatures = new SignatureScreen({ store, pool, signer: articleSigner(nodeKey) });
  const ingest = new Ingest({ store, clock, logger: logger.child({ component: 'ingest' }), metrics, signatures }, { name, maxArticleBytes: config.maxArticleBytes, acceptGroups: config.acceptGroups, maxGroups: config.maxGroups });
  await ingest.start();
  const identity = new NodeIdentity(name, nodeKey.key, nodeKey.fingerprint);
  const features = new FeatureRegistry();
  const service = new NodeService({ store, ingest, clock, metrics }, identity, features);
  const policy = nodeAddressPolicy(config, identity, clock, opts.resolve);
  const transport = opts.transport ?? new HttpTransport({ metrics, clock, policy }, { connectionsPerPeer: 8 });
  const components: NodeComponents = { config, store, clock, logger, metrics, ingest, identity, features, service, nodeKey, signatures, transport, policy };
  let parts: NodePart[];
  try {
    parts = (opts.parts ?? defaultParts).map((f) => f(components));
  } catch (err) {
    // A part refusing its config (e.g. a non-loopback --web without a password) must not leave the store locked.
    await transport.close();
    await pool.close();
    await store.close();
    throw err;
  }
  // What the pages and the API can reach is fixed from here on.
  features.seal();

  const limits = opts.listenerLimits;
  const web = buildWebApp({ service, logger, clock, config, limits }, [(app) => app.register(nodeRoutes, { identity }), ...parts.flatMap((p) => p.webRoutes ?? [])]);
  const peer = buildPeerApp({ name, logger, clock, maxArticleBytes: config.maxArticleBytes, limits }, parts.flatMap((p) => p.peerRoutes ?? []));
  const started: NodePart[] = [];
  try {
    const webUrl = await listenOrExplain(web, config.web, '--web');
    const bound = opts.bindPeer ? await opts.bindPeer(peer) : await listenOrExplain(peer, config.listen, '--listen');
    const exposure = describeExposure({ ...config, boundUrl: bound, addresses: machineAddresses() });
    identity.bindListeners({ webUrl, peerUrl: config.publicUrl ?? bound, ...(exposure.peerUrlWarning ? { peerUrlWarning: exposure.peerUrlWarning } : {}) });
    logger[exposure.open ? 'warn' : 'info']({ peerUrl: identity.peerUrl, acceptPeers: config.acceptPeers, publicRead: config.publicRead }, exposure.summary);
    if (exposure.peerUrlWarning) logger.warn({ peerUrl: bound }, exposure.peerUrlWarning);
    for (const p of parts) {
      await p.start?.();
      started.push(p);
    }
  } catch (err) {
    // A part that cannot start (its listener is taken) stops the ones already running.
    await web.close().catch(() => undefined);
    await peer.close().catch(() => undefined);
    for (const p of started.reverse()) await p.stop?.().catch(() => undefined);
    await transport.close();
    await pool.close();
    await store.close();
    throw err;
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // Listeners first: no request reaches a part that is stopping, nor the store once it closed.
      await Promise.all([web.close(), peer.close()]);
      await stopParts([...parts].reverse(), { clock, logger, transport, graceMs: opts.stopGraceMs ?? STOP_GRACE_MS });
      await ingest.flushed();
      await pool.close();
      await store.close();
      logger.info(`newsmesh ${name} stopped`);
    })());
  const { webUrl, peerUrl, nntpUrl } = identity;
  return { name, webUrl, peerUrl, ...(nntpUrl ? { nntpUrl } : {}), components, close };
}
