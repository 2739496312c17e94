/**
 * Bench section `gossipGraph`: 12 nodes in ONE process on a random connected graph of
 * degree 3 (real HTTP on loopback, real LevelDB), 1 KiB posts on random nodes at a fixed
 * rate. Figures per phase: p50/p99/max time from post to arrival at the last node, body
 * amplification (bodies received / deliveries needed), wire bytes (IHAVE, TAKETHIS, hello,
 * headers included) per article byte delivered, p99 per second to show it stays flat, and the
 * hop time (a sender's commit to its peer's commit of the same article), where the latency is made.
 */
import { gossipPart } from '../../node/gossip/gossip-part';
import { HttpTransport } from '../../node/net/http-transport';
import { silentLogger } from '../../node/logger';
import { startNode, type RunningNode } from '../../node/main';
import { Metrics } from '../../node/metrics';
import { tempDir } from '../helpers/tmp';
import { randomRegular, rng } from '../helpers/graph';

const NODES = 12;
const DEGREE = 3;
const BODY = 'x'.repeat(1023) + '\n';
const PHASES = [
  // Opens the keep-alive connections and warms the JIT; not reported.
  { name: 'warmup', perSec: 50, seconds: 3 },
  { name: 'rate100', perSec: Number(process.env.BENCH_GRAPH_RATE1 ?? 100), seconds: Number(process.env.BENCH_GRAPH_SECS1 ?? 30) },
  { name: 'rate1000', perSec: Number(process.env.BENCH_GRAPH_RATE2 ?? 1000), seconds: Number(process.env.BENCH_GRAPH_SECS2 ?? 10) },
];
const SETTLE_LIMIT_MS = 60_000;

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1);
};

interface Track {
  postAt: number;
  arrivals: number;
  lastAt: number;
  bytes: number;
}

export async function gossipGraphSection(): Promise<Record<string, unknown>> {
  const dirs = Array.from({ length: NODES }, () => tempDir('newsmesh-bench-graph-'));
  const transports = Array.from({ length: NODES }, () => new HttpTransport({ metrics: new Metrics() }));
  const nodes: RunningNode[] = [];
  const track = new Map<string, Track>();
  /** When each node committed each article (`node NUL id`), and the hops measured in this phase. */
  const committedAt = new Map<string, number>();
  let hops: number[] = [];
  try {
    for (let i = 0; i < NODES; i++) {
      const node = await startNode(
        { name: `g${i}`, data: dirs[i].dir, web: '127.0.0.1:0', listen: '127.0.0.1:0' },
        // BENCH_STREAM=0: flood fill over HTTP only (the figures before the peer stream); BENCH_COMPACT=0: JSON header lines on the stream;
        // BENCH_DUPLEX=0: one stream per direction (before one socket per peered pair).
        { logger: silentLogger(), parts: [gossipPart({ transport: transports[i], stream: process.env.BENCH_STREAM === '0' ? false : { compactFrames: process.env.BENCH_COMPACT !== '0', duplex: process.env.BENCH_DUPLEX !== '0' } })] },
      );
      node.components.ingest.onAccepted((events) => {
        const now = performance.now();
        for (const e of events) {
          committedAt.set(`g${i}\0${e.article.id}`, now);
          const from = e.origin.kind === 'peer' ? committedAt.get(`${e.origin.peer}\0${e.article.id}`) : undefined;
          if (from !== undefined) hops.push(now - from);
          let t = track.get(e.article.id);
          if (!t) track.set(e.article.id, (t = { postAt: now, arrivals: 0, lastAt: 0, bytes: 0 }));
          if (e.origin.kind === 'local') t.bytes = Buffer.byteLength(JSON.stringify(e.article));
          else {
            t.arrivals++;
            t.lastAt = now;
          }
        }
      });
      nodes.push(node);
    }
    const edges = randomRegular(NODES, DEGREE, rng(12));
    for (const [u, v] of edges) await nodes[u].components.service.peers!.add({ url: nodes[v].peerUrl });
    const out: Record<string, unknown> = { nodes: NODES, degree: DEGREE, edges: edges.length, articleBodyBytes: 1024 };
    const rand = rng(7);
    for (const phase of PHASES) {
      const before = snapshot(nodes, transports);
      const cpu0 = process.cpuUsage();
      hops = [];
      const ids: string[] = [];
      const posts: Promise<void>[] = [];
      const total = phase.perSec * phase.seconds;
      const t0 = performance.now();
      const tickMs = 10;
      const perTick = phase.perSec / (1000 / tickMs);
      for (let tick = 0, made = 0; made < total; tick++) {
        const wait = t0 + tick * tickMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const due = Math.min(total, Math.round((tick + 1) * perTick));
        for (; made < due; made++) {
          const node = nodes[Math.floor(rand() * NODES)];
          const postAt = performance.now();
          posts.push(
            node.components.service.post({ newsgroups: [`bench.graph${made % 4}`], from: 'bench@example', subject: `graph ${phase.name} ${made}`, body: BODY }).then(({ id }) => {
              ids.push(id);
              // The commit's listener made the record (with the size); the post began earlier.
              track.get(id)!.postAt = postAt;
            }),
          );
        }
      }
      await Promise.all(posts);
      const postedS = (performance.now() - t0) / 1000;
      const settleStart = Date.now();
      while ([...ids].some((id) => track.get(id)!.arrivals < NODES - 1) && Date.now() - settleStart < SETTLE_LIMIT_MS) await new Promise((r) => setTimeout(r, 20));
      const after = snapshot(nodes, transports);
      const cpu = process.cpuUsage(cpu0);
      const lat: number[] = [];
      const perSecond = new Map<number, number[]>();
      let delivered = 0;
      let articleBytes = 0;
      for (const id of ids) {
        const t = track.get(id)!;
        delivered += t.arrivals;
        articleBytes += t.bytes * t.arrivals;
        if (t.arrivals < NODES - 1) continue;
        const ms = t.lastAt - t.postAt;
        lat.push(ms);
        const sec = Math.floor((t.postAt - t0) / 1000);
        perSecond.set(sec, [...(perSecond.get(sec) ?? []), ms]);
      }
      const received = after.received - before.received;
      const wire = after.wire - before.wire;
      const wireBodies = after.wireBodies - before.wireBodies;
      if (phase.name === 'warmup') continue;
      out[phase.name] = {
        posts: total,
        postedInS: +postedS.toFixed(2),
        fullyDelivered: lat.length,
        deliveries: delivered,
        deliveriesNeeded: total * (NODES - 1),
        latencyMs: { p50: pct(lat, 50), p99: pct(lat, 99), max: pct(lat, 100) },
        hopMs: { p50: pct(hops, 50), p90: pct(hops, 90), p99: pct(hops, 99) },
        p99PerSecondMs: [...perSecond.entries()].sort((a, b) => a[0] - b[0]).map(([, xs]) => pct(xs, 99)),
        bodyAmplification: +(received / Math.max(1, delivered)).toFixed(4),
        wireBytesPerArticleByte: +(wire / Math.max(1, articleBytes)).toFixed(3),
        wireBodyBytesPerArticleByte: +(wireBodies / Math.max(1, articleBytes)).toFixed(3),
        // All 12 nodes' CPU (one process) per delivery made: unlike latency, the machine's other load does not change it.
        cpuUsPerDelivery: Math.round((cpu.user + cpu.system) / Math.max(1, delivered)),
        requests: after.requests - before.requests,
        requestsByPath: Object.fromEntries(Object.entries(after.byPath).map(([k, v]) => [k, v - (before.byPath[k] ?? 0)])),
        idsOffered: after.offered - before.offered,
        idsWanted: after.sendme - before.sendme,
        // Stream sockets open at the end (each counted by both of its nodes): one per peered pair is 18 here.
        streamSockets: nodes.reduce((n, x) => n + x.components.metrics.peerStreamsOpen, 0) / 2,
      };
    }
    out.targets = { rate100: { p99MsMax: 100, bodyAmplificationMax: 1.01, wireBytesPerArticleByteMax: 1.25 }, rate1000: 'all delivered, p99 per second flat' };
    return out;
  } finally {
    await Promise.allSettled(nodes.map((n) => n.close()));
    for (const d of dirs) d.cleanup();
  }
}

function snapshot(nodes: RunningNode[], transports: HttpTransport[]) {
  let received = 0;
  for (const n of nodes) received += n.components.metrics.articlesReceived;
  let wire = 0;
  let wireBodies = 0;
  let requests = 0;
  const byPath: Record<string, number> = {};
  for (const t of transports) {
    for (const [k, v] of Object.entries(t.stats.byPath)) byPath[k] = (byPath[k] ?? 0) + v;
    wire += t.stats.bodyBytesSent + t.stats.bodyBytesReceived + t.stats.headerBytes;
    wireBodies += t.stats.bodyBytesSent + t.stats.bodyBytesReceived;
    requests += t.stats.requests;
  }
  let offered = 0;
  let sendme = 0;
  for (const n of nodes) {
    offered += n.components.metrics.ihaveSent;
    sendme += n.components.metrics.sendmeSent;
  }
  return { received, wire, wireBodies, requests, byPath, offered, sendme };
}
