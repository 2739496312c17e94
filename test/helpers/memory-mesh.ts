/**
 * Nodes in one process on a MemoryNetwork and a ManualClock: peer calls go through each
 * node's peer routes by `inject`, never a socket, and time moves only when a test says. Real
 * LevelDB in temp dirs as everywhere; the web listener still binds 127.0.0.1:0 (unused here).
 */
import type { NodeConfigInput } from '../../node/config';
import { gossipPart, type GossipPartOptions } from '../../node/gossip/gossip-part';
import type { StartOptions } from '../../node/main';
import { mirrorPart } from '../../node/mirror/mirror-part';
import { MemoryNetwork, type MemoryEndpoint } from '../../node/net/memory-transport';
import type { PartFactory } from '../../node/part';
import { ManualClock } from './manual-clock';
import { startTestNode, type TestNode } from './node';

export interface MeshNode extends TestNode {
  endpoint: MemoryEndpoint;
}

export class MemoryMesh {
  readonly clock = new ManualClock(Date.UTC(2026, 0, 1));
  readonly net = new MemoryNetwork(this.clock);
  readonly nodes: MeshNode[] = [];

  /** Starts a node on the network with the gossip part (and the mirror part when asked). */
  async start(config: Partial<NodeConfigInput>, gossip: GossipPartOptions, opts: { mirror?: boolean } & Omit<StartOptions, 'parts'> = {}): Promise<MeshNode> {
    const endpoint = this.net.endpoint();
    const parts: PartFactory[] = [gossipPart(gossip), ...(opts.mirror ? [mirrorPart] : [])];
    const node = await startTestNode(config, { ...opts, clock: this.clock, transport: endpoint, bindPeer: endpoint.bind, parts });
    const m: MeshNode = { ...node, endpoint };
    this.nodes.push(m);
    return m;
  }

  /** `from` peers with `to` (hello and challenge over the network). */
  async peer(from: MeshNode, to: MeshNode, groups?: string): Promise<void> {
    await from.components.service.peers!.add({ url: to.peerUrl, ...(groups ? { groups } : {}) });
  }

  /** Stops a node (its data dir stays): a restart is `start` with the same `data`. */
  async close(node: MeshNode): Promise<void> {
    await this.whileRunning(node.close());
    this.nodes.splice(this.nodes.indexOf(node), 1);
  }

  async destroy(): Promise<void> {
    await this.whileRunning(Promise.allSettled(this.nodes.map((n) => n.destroy())));
  }

  /** Stopping waits on the clock (the grace for parts): the clock runs until `p` settles. */
  private async whileRunning<T>(p: Promise<T>): Promise<T> {
    let pending = true;
    const done = p.finally(() => (pending = false));
    while (pending) await this.clock.run(500);
    return done;
  }
}
