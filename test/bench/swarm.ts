/**
 * Bench section `swarm` (issue 14): real node processes on loopback. Fills three sources
 * with the same 100,000 articles of 1 KiB, then mirrors into fresh nodes: from one source
 * uncapped (articles/s, the mirroring node's peak RSS), and, with the sources restarted at
 * `--serve-rate 5000`, from one capped source and from all three at once (the swarm), so the
 * ratio is measured in the same run. BENCH_SWARM_PROF=DIR writes the uncapped mirroring
 * node's V8 CPU profile there; BENCH_SWARM_QUICK=1 skips the low-cap part. Setup is shared
 * with the mirror section (mirror-common.ts).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { nodeFleet, type NodeProcess } from '../helpers/process';
import { BODY, cpuSecs, fillSigned, mirrorAndWait, peakRssMiB, stop } from './mirror-common';

const N = Number(process.env.BENCH_SWARM_N ?? 100_000);
const CAP = Number(process.env.BENCH_SWARM_CAP ?? 5000);
const GROUP = 'bench.swarm';
/** A second, smaller group mirrored at a low cap, where the mirroring node's CPU is not the limit. */
const SMALL = Number(process.env.BENCH_SWARM_SMALL_N ?? 10_000);
const SMALL_GROUP = 'bench.swarm.small';
const LOW_CAP = Number(process.env.BENCH_SWARM_LOW_CAP ?? 1000);

const mirror = (sink: NodeProcess, peers: string[], group = GROUP, count = N) => mirrorAndWait(sink, peers, group, count);

export async function swarmSection(): Promise<Record<string, unknown>> {
  // A loaded machine can take a while to start a node holding 100,000 articles.
  const fleet = nodeFleet('newsmesh-bench-swarm-', 120_000);
  const spawn = fleet.spawn;
  const rate = (secs: number) => Math.round(N / secs);
  try {
    const names = ['swarm-a', 'swarm-b', 'swarm-c'];
    let sources = await Promise.all(names.map((n) => spawn(n)));
    await fillSigned(sources, GROUP, 'swarm', N);
    await fillSigned(sources, SMALL_GROUP, 'small', SMALL);

    // One source, uncapped.
    const prof = process.env.BENCH_SWARM_PROF;
    const sink1 = await spawn('sink-one', [], prof ? { NODE_OPTIONS: `--require ${join(__dirname, "..", "..", "..", "test", "bench", "cpu-profile.js")}`, PROF_DIR: prof } : {});
    const cpu0 = [cpuSecs(sink1.child.pid!), cpuSecs(sources[0].child.pid!)];
    const one = await mirror(sink1, [sources[0].peerUrl]);
    const oneCpu = [cpuSecs(sink1.child.pid!) - cpu0[0], cpuSecs(sources[0].child.pid!) - cpu0[1]];
    const onePeak = peakRssMiB(sink1.child.pid!);
    await stop(sink1);

    // The sources again, each capped.
    await Promise.all(sources.map(stop));
    sources = await Promise.all(names.map((n) => spawn(n, ['--serve-rate', String(CAP)])));
    const sink2 = await spawn('sink-capped');
    const capped = await mirror(sink2, [sources[0].peerUrl]);
    await stop(sink2);
    const sink3 = await spawn('sink-swarm');
    const cpu3 = cpuSecs(sink3.child.pid!);
    const swarm = await mirror(sink3, sources.map((s) => s.peerUrl));
    const swarmSinkCpu = cpuSecs(sink3.child.pid!) - cpu3;
    const swarmPeak = peakRssMiB(sink3.child.pid!);
    await stop(sink3);

    if (process.env.BENCH_SWARM_QUICK === '1') return { oneSourceArticlesPerSec: rate(one.secs), oneSourceSinkCpuUsPerArticle: Math.round((oneCpu[0] * 1e6) / N), oneSourcePeakRssMiB: onePeak, oneCappedSourceArticlesPerSec: rate(capped.secs), threeCappedSourcesArticlesPerSec: rate(swarm.secs), swarmOverOneCapped: Number((capped.secs / swarm.secs).toFixed(2)), swarmSinkCpuUsPerArticle: Math.round((swarmSinkCpu * 1e6) / N), swarmPeakRssMiB: swarmPeak, loadAverage1m: loadavg()[0] };
    // The swarm effect where the sources' caps are the only limit.
    await Promise.all(sources.map(stop));
    sources = await Promise.all(names.map((n) => spawn(n, ['--serve-rate', String(LOW_CAP)])));
    const sink4 = await spawn('sink-low-one');
    const lowOne = await mirror(sink4, [sources[0].peerUrl], SMALL_GROUP, SMALL);
    const sink5 = await spawn('sink-low-swarm');
    const lowSwarm = await mirror(sink5, sources.map((s) => s.peerUrl), SMALL_GROUP, SMALL);

    return {
      articles: N,
      articleBodyBytes: BODY.length,
      oneSourceArticlesPerSec: rate(one.secs),
      oneSourceTargetArticlesPerSec: 20_000,
      oneSourcePeakRssMiB: onePeak,
      // CPU seconds each side spent: with a core each (an idle 2-core machine), the mirror
      // could go no faster than N / the larger of the two. Shows a loaded machine's figures for what they are.
      oneSourceSinkCpuSecs: oneCpu[0],
      oneSourceSourceCpuSecs: oneCpu[1],
      oneSourceCpuBoundArticlesPerSec: Math.round(N / Math.max(oneCpu[0], oneCpu[1])),
      loadAverage1m: loadavg()[0],
      oneSourcePeakRssTargetMiB: 200,
      serveRate: CAP,
      oneCappedSourceArticlesPerSec: rate(capped.secs),
      threeCappedSourcesArticlesPerSec: rate(swarm.secs),
      threeCappedSourcesTargetArticlesPerSec: 12_500,
      swarmOverOneCapped: Number((capped.secs / swarm.secs).toFixed(2)),
      swarmOverOneCappedTarget: 2.5,
      swarmPeakRssMiB: swarmPeak,
      swarmSinkCpuSecs: swarmSinkCpu,
      // The mirroring node's CPU (all its threads) per article: with two cores shared by the
      // sources too, this is what keeps the swarm from growing with its sources.
      oneSourceSinkCpuUsPerArticle: Math.round((oneCpu[0] * 1e6) / N),
      swarmSinkCpuUsPerArticle: Math.round((swarmSinkCpu * 1e6) / N),
      swarmPerSource: swarm.job.sources?.map((s) => s.done),
      lowCap: LOW_CAP,
      lowCapArticles: SMALL,
      lowCapOneSourceArticlesPerSec: Math.round(SMALL / lowOne.secs),
      lowCapThreeSourcesArticlesPerSec: Math.round(SMALL / lowSwarm.secs),
      lowCapSwarmOverOne: Number((lowOne.secs / lowSwarm.secs).toFixed(2)),
    };
  } finally {
    await fleet.cleanup();
  }
}
