/**
 * In-process nodes whose every peer call crosses a FaultProxy of its own: one proxy per
 * ordered pair (A calling B, B calling A), so a test can cut, slow or flap any single link and
 * split the network into parts. The nodes keep each other's real URLs (hellos are checked
 * against them); a RoutedTransport sends each call to the proxy of that pair instead.
 */
import type { Clock } from '../../node/clock';
import { gossipPart, type GossipPartOptions } from '../../node/gossip/gossip-part';
import { Metrics } from '../../node/metrics';
import { HttpTransport } from '../../node/net/http-transport';
import type { PeerRequest, PeerResponse, Transport } from '../../node/net/transport';
import type { PartFactory } from '../../node/part';
import { recordFaults } from './fault-figures';
import { FaultProxy, type CutMode } from './fault-proxy';
import { startTestNode, type TestNode } from './node';

/** A Transport that dials another URL for some peers (their link's proxy). */
export class RoutedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly route: (url: string) => string,
  ) {}

  get stats() {
    return this.inner.stats;
  }

  request(req: PeerRequest): Promise<PeerResponse> {
    return this.inner.request({ ...req, url: this.route(req.url) });
  }

  dialUrl(url: string): string {
    return this.route(url);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface MeshOptions {
  /** Gossip tuning for every node. */
  gossip?: GossipPartOptions;
  /** A clock per node index (default: the system clock). */
  clock?: (i: number) => Clock | undefined;
  /** Parts besides gossip (e.g. mirror), per node. */
  extraParts?: PartFactory[];
}

const origin = (url: string) => new URL(url).origin;

export class ProxyMesh {
  readonly nodes: TestNode[] = [];
  private readonly proxies = new Map<string, FaultProxy>();
  private readonly byOrigin = new Map<string, number>();
  private partitions = 0;
  private healed = 0;

  private constructor(readonly names: string[]) {}

  /** Starts the nodes and a proxy for every ordered pair; nothing is peered yet. */
  static async start(names: string[], opts: MeshOptions = {}): Promise<ProxyMesh> {
    const mesh = new ProxyMesh(names);
    try {
      for (let i = 0; i < names.length; i++) {
        const transport = new RoutedTransport(new HttpTransport({ metrics: new Metrics() }, { connectionsPerPeer: 8 }), (url) => mesh.route(i, url));
        const clock = opts.clock?.(i);
        const node = await startTestNode({ name: names[i] }, { ...(clock ? { clock } : {}), parts: [gossipPart({ ...opts.gossip, transport }), ...(opts.extraParts ?? [])] });
        mesh.nodes.push(node);
        mesh.byOrigin.set(origin(node.peerUrl), i);
      }
      for (let i = 0; i < names.length; i++) {
        for (let j = 0; j < names.length; j++) if (i !== j) mesh.proxies.set(`${i}>${j}`, await FaultProxy.start(mesh.nodes[j].peerUrl));
      }
    } catch (err) {
      await mesh.close();
      throw err;
    }
    return mesh;
  }

  /** The proxy that node `from`'s calls to node `to` cross. */
  link(from: number, to: number): FaultProxy {
    const p = this.proxies.get(`${from}>${to}`);
    if (!p) throw new Error(`no link ${from}>${to}`);
    return p;
  }

  /** Both directions between two nodes. */
  both(a: number, b: number): FaultProxy[] {
    return [this.link(a, b), this.link(b, a)];
  }

  get allProxies(): FaultProxy[] {
    return [...this.proxies.values()];
  }

  /** Node `from` adds node `to` as a peer by its real URL (the handshake crosses the proxy). */
  async peer(from: number, to: number, groups?: string): Promise<void> {
    const res = await fetch(`${this.nodes[from].webUrl}/api/peers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: this.nodes[to].peerUrl, ...(groups ? { groups } : {}) }),
    });
    if (res.status !== 201) throw new Error(`peering ${this.names[from]} -> ${this.names[to]}: ${res.status} ${await res.text()}`);
  }

  /** Cuts every link between the two sides, both ways. */
  partition(sideA: number[], sideB: number[], mode: CutMode = 'refuse'): void {
    this.partitions++;
    for (const a of sideA) for (const b of sideB) for (const p of this.both(a, b)) p.cut(mode);
  }

  /** Clears every fault on every link. */
  healAll(): void {
    this.healed += this.partitions;
    this.partitions = 0;
    for (const p of this.proxies.values()) p.clear();
  }

  /** Faults injected over all links so far. */
  faults(): number {
    let n = 0;
    for (const p of this.proxies.values()) n += p.stats.faults;
    return n;
  }

  async close(): Promise<void> {
    if (this.healed > 0) recordFaults({ kind: 'partition', nodes: this.nodes.length, healed: this.healed });
    await Promise.allSettled(this.nodes.map((n) => n.destroy()));
    await Promise.allSettled([...this.proxies.values()].map((p) => p.close()));
  }

  private route(from: number, url: string): string {
    let o: string;
    try {
      o = origin(url);
    } catch {
      return url;
    }
    const to = this.byOrigin.get(o);
    const p = to === undefined || to === from ? undefined : this.proxies.get(`${from}>${to}`);
    if (!p) return url;
    // The path of a base URL with one (none here) would be kept; only the origin changes.
    return p.url + url.slice(o.length);
  }
}
