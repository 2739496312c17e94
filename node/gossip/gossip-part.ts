/**
 * The gossip NodePart: builds the engine with an undici transport, plugs its router and
 * listener into the ingest, sets `service.peers`, and adds the /v1 flood-fill routes to the
 * peer listener and /api/peers to the web listener. `gossipPart(init)` lets tests and
 * benchmarks tune timeouts; `gossipPartFactory` is the default one.
 */
import type { NodePart, PartFactory } from '../part';
import type { RoutePlugin } from '../web-app';
import { peersRoutes } from '../api/peers-routes';
import { DEFAULT_GOSSIP_INIT, GossipEngine, type GossipInit } from './gossip-engine';
import { HttpTransport } from './http-transport';
import { gossipPeerRoutes } from './peer-routes';
import type { Transport } from './transport';

export interface GossipPartOptions extends Partial<GossipInit> {
  /** Replaces the undici transport (tests that need a broken network). */
  transport?: Transport;
}

export function gossipPart(opts: GossipPartOptions = {}): PartFactory {
  return (components): NodePart => {
    const { transport: given, ...init } = opts;
    const transport = given ?? new HttpTransport({ metrics: components.metrics, clock: components.clock }, { connectionsPerPeer: 8 });
    const engine = new GossipEngine({ ...components, transport }, { ...DEFAULT_GOSSIP_INIT, ...init });
    components.ingest.setRouter(engine);
    components.ingest.onAccepted((events) => engine.onAccepted(events));
    components.service.peers = engine;
    const loaded = engine.load();
    loaded.catch(() => undefined); // surfaced by start()
    const webRoutes: RoutePlugin[] = [(app) => app.register(peersRoutes, { peers: engine })];
    const peerRoutes: RoutePlugin[] = [
      (app) => {
        // Peers must be loaded before the first hello is answered.
        app.addHook('onReady', () => loaded);
        app.register(gossipPeerRoutes, { engine });
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
      stop: () => engine.stop(),
    };
  };
}

export const gossipPartFactory: PartFactory = gossipPart();
