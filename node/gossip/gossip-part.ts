/**
 * The gossip NodePart: builds the engine on the node's shared transport and address policy
 * (node/main.ts makes them, so the hello's check and the dial's see the same rules), plugs its
 * feed hook into the ingest, registers it as the `peers` feature, and adds the /v1
 * flood-fill routes to the peer listener and /api/peers to the web listener. `gossipPart(init)`
 * lets tests and benchmarks tune timeouts; `gossipPartFactory` is the default one.
 */
import type { NodePart, PartFactory } from '../part';
import type { RoutePlugin } from '../web-app';
import { peersRoutes } from '../api/peers-routes';
import { DEFAULT_GOSSIP_INIT, GossipEngine, type GossipInit } from './gossip-engine';
import { gossipPeerRoutes } from './peer-routes';
import type { Transport } from '../net/transport';
import { StreamTransport, type StreamTransportInit } from '../net/stream-transport';
import { streamPeerRoutes } from './stream-routes';

export interface GossipPartOptions extends Partial<GossipInit> {
  /** Replaces the shared transport for gossip only (tests that need a broken network); closed when gossip stops. */
  transport?: Transport;
  /**
   * Flood fill on one WebSocket per link (node/net/stream-transport.ts), with its tuning; false:
   * HTTP only and /v1/stream absent (an older node). Default: the node's tuning.peerStream.
   */
  stream?: boolean | Partial<StreamTransportInit>;
}

export function gossipPart(opts: GossipPartOptions = {}): PartFactory {
  return (components): NodePart => {
    const { transport: own, stream: streamOpt, ...tuning } = opts;
    const init = { ...DEFAULT_GOSSIP_INIT, ...tuning };
    const useStream = streamOpt === undefined ? components.config.tuning.peerStream === 1 : streamOpt !== false;
    const base = own ?? components.transport;
    const streams = useStream
      ? new StreamTransport({ inner: base, clock: components.clock, metrics: components.metrics, logger: components.logger.child({ component: 'peer-stream' }), policy: components.policy }, typeof streamOpt === 'object' ? streamOpt : {})
      : null;
    const engine = new GossipEngine({ ...components, transport: streams ?? base }, init);
    // Queue rows join each accepted article's own commit (node/feed/feed-hook.ts).
    components.ingest.addHook(engine.feedHook());
    components.features.provide('peers', engine);
    const loaded = engine.load();
    loaded.catch(() => undefined); // surfaced by start()
    const webRoutes: RoutePlugin[] = [(app) => app.register(peersRoutes, { peers: engine })];
    const peerRoutes: RoutePlugin[] = [
      (app) => {
        // Peers must be loaded before the first hello is answered.
        app.addHook('onReady', () => loaded);
        app.register(gossipPeerRoutes, { engine });
        if (streams) app.register(streamPeerRoutes, { engine, streams });
      },
    ];
    return {
      name: 'gossip',
      webRoutes,
      peerRoutes,
      start: async () => {
        await loaded;
        await engine.start();
      },
      stop: async () => {
        await engine.stop();
        await streams?.close();
        await own?.close();
      },
    };
  };
}

export const gossipPartFactory: PartFactory = gossipPart();
