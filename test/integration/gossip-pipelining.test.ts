/**
 * A link pipelines small batches: while a few offers wait for their answers, a new article is
 * offered at once (up to maxBatchesInFlight batches), as long as the ids in flight stay
 * within maxInFlight full batches. Measured cost before: in the 12-node graph, new articles
 * waited behind the round trips of the 4 batches a link had out (docs/benchmarks.md).
 */
import { Metrics } from '../../node/metrics';
import { HttpTransport } from '../../node/net/http-transport';
import type { PeerRequest, PeerResponse, Transport } from '../../node/net/transport';
import type { TestNode } from '../helpers/node';
import { addPeer, has, post, startGossipNode, waitFor } from './gossip-harness';

/** HTTP, except that IHAVEs are held until released. */
class HoldingTransport implements Transport {
  readonly real = new HttpTransport({ metrics: new Metrics() });
  readonly held: (() => void)[] = [];
  holding = true;
  get stats() {
    return this.real.stats;
  }
  request(req: PeerRequest): Promise<PeerResponse> {
    if (req.path !== '/v1/ihave' || !this.holding) return this.real.request(req);
    return new Promise<void>((r) => this.held.push(r)).then(() => this.real.request(req));
  }
  release(): void {
    this.holding = false;
    for (const r of this.held.splice(0)) r();
  }
  close(): Promise<void> {
    return this.real.close();
  }
}

describe('gossip pipelining', () => {
  const nodes: TestNode[] = [];
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.destroy()));
  });

  it('offers a new article while earlier offers wait, within the ids budget', async () => {
    const holding = new HoldingTransport();
    // One full batch of ids in flight (maxInFlight 1) used to mean one batch at a time.
    const a = await startGossipNode({ name: 'alpha' }, { transport: holding, stream: false, maxInFlight: 1 });
    const b = await startGossipNode({ name: 'beta' });
    nodes.push(a, b);
    await addPeer(a, b);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await post(a, 'test.a', `pipelined ${i}`));
      await waitFor(`offer ${i + 1} out while the earlier ones wait`, () => holding.held.length === i + 1, 5_000);
    }
    holding.release();
    await waitFor('all three on beta', async () => (await Promise.all(ids.map((id) => has(b, id)))).every(Boolean));
    expect(b.components.metrics.articlesReceived).toBe(3);
  });
});
