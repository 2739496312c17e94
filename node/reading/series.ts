/**
 * The last hour of the node's traffic for the status page's charts: every SAMPLE_MS a sample
 * of articles in (accepted) and out (bodies sent) per second, and per peer its throughput,
 * lag and backlog. A ring of RING_SIZE samples, at most PEERS_MAX peers each, so memory is
 * bounded whatever the traffic. Saved in the store's meta sublevel now and then, so a restart
 * keeps the hour (counters restart at zero; rates are computed within one run).
 */
import type { PeerInfo } from '../../protocol/api';
import type { Clock } from '../clock';
import type { Metrics } from '../metrics';
import type { Store } from '../store/store';

export const SAMPLE_MS = 10_000;
export const RING_SIZE = 360;
export const PEERS_MAX = 32;
const SAVE_EVERY = 6;

export interface PeerSample {
  inPerS: number;
  outPerS: number;
  lagMs: number;
  backlog: number;
}

export interface Sample {
  t: number;
  inPerS: number;
  outPerS: number;
  peers: Record<string, PeerSample>;
}

interface Counters {
  t: number;
  accepted: number;
  sent: number;
  peers: Map<string, { sent: number; received: number }>;
}

export class Series {
  private ring: Sample[] = [];
  private last: Counters | null = null;
  private sinceSave = 0;

  constructor(
    private readonly c: { store: Store; clock: Clock; metrics: Metrics },
    private readonly peers: () => Promise<PeerInfo[]>,
  ) {}

  samples(): readonly Sample[] {
    const since = this.c.clock.now() - RING_SIZE * SAMPLE_MS;
    return this.ring.filter((s) => s.t >= since);
  }

  async load(): Promise<void> {
    const saved = (await this.c.store.subs.meta.get('series')) as Sample[] | undefined;
    if (Array.isArray(saved)) this.ring = saved.slice(-RING_SIZE);
  }

  async save(): Promise<void> {
    this.sinceSave = 0;
    await this.c.store.subs.meta.put('series', this.ring);
  }

  /** Takes one sample (rates since the previous one); the first call only sets the baseline. */
  async sample(): Promise<void> {
    const now = this.c.clock.now();
    const list = (await this.peers()).slice(0, PEERS_MAX);
    const m = this.c.metrics;
    const counters: Counters = {
      t: now,
      accepted: m.articlesAccepted,
      sent: m.articlesSent,
      peers: new Map(list.map((p) => [p.name, { sent: p.sent ?? 0, received: p.bodiesReceived ?? 0 }])),
    };
    const prev = this.last;
    this.last = counters;
    if (!prev || now <= prev.t) return;
    const secs = (now - prev.t) / 1000;
    const rate = (a: number, b: number) => Math.max(0, Math.round(((a - b) / secs) * 10) / 10);
    const peers: Record<string, PeerSample> = {};
    for (const p of list) {
      const was = prev.peers.get(p.name);
      const cur = counters.peers.get(p.name)!;
      peers[p.name] = {
        inPerS: was ? rate(cur.received, was.received) : 0,
        outPerS: was ? rate(cur.sent, was.sent) : 0,
        lagMs: p.lagMs ?? 0,
        backlog: p.backlog,
      };
    }
    this.ring.push({ t: now, inPerS: rate(counters.accepted, prev.accepted), outPerS: rate(counters.sent, prev.sent), peers });
    if (this.ring.length > RING_SIZE) this.ring.splice(0, this.ring.length - RING_SIZE);
    if (++this.sinceSave >= SAVE_EVERY) await this.save();
  }
}
