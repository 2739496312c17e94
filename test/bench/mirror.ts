/**
 * Bench section `mirror`: two real node processes on loopback. Fills a source with 100,000
 * articles of 1 KiB (POST /api/import), mirrors them into a fresh node (articles/s and the
 * mirroring node's peak RSS from /proc VmHWM), re-mirrors the unchanged group (seconds), and
 * exports the group to mbox over the local API (articles/s). A second mirror into a node with
 * a capped V8 old space shows the live memory is flat. A mirror of unsigned articles (labelled
 * apart) shows what verification costs; CPU per article of both sides from /proc.
 */
import { join } from 'node:path';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';
import { BODY, fillSigned, fillUnsigned, mirrorAndWait, peakRssMiB, post, stop, withCpu, type BenchJob } from './mirror-common';

const N = Number(process.env.BENCH_MIRROR_N ?? 100_000);
const GROUP = 'bench.mirror';
const UNSIGNED_GROUP = 'bench.mirror.unsigned';
const CAP_MIB = 80;
/** BENCH_MIRROR_QUICK=1: the two mirrors and the re-mirror only (no capped mirror, no export). */
const QUICK = process.env.BENCH_MIRROR_QUICK === '1';

async function waitDone(webUrl: string, id: string, since: string | undefined, timeoutMs: number, pollMs: number): Promise<BenchJob> {
  return waitFor(
    `mirror ${id} finished`,
    async () => {
      const jobs = (await (await fetch(`${webUrl}/api/mirrors`)).json()) as BenchJob[];
      const job = jobs.find((j) => j.id === id);
      return job && job.state !== 'running' && job.startedAt !== since && job;
    },
    { timeoutMs, everyMs: pollMs },
  );
}

export async function mirrorSection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-bench-mirror-');
  const procs: NodeProcess[] = [];
  try {
    const source = await spawnNode(['--data', join(tmp.dir, 'source'), '--name', 'bench-source']);
    procs.push(source);
    const t0 = Date.now();
    await fillSigned([source], GROUP, 'bench', N);
    const fillSecs = (Date.now() - t0) / 1000;

    const sink = await spawnNode(['--data', join(tmp.dir, 'sink'), '--name', 'bench-sink']);
    procs.push(sink);
    const rssBefore = peakRssMiB(sink.child.pid!);
    const source0 = await withCpu(source.child.pid!, N, () => withCpu(sink.child.pid!, N, () => mirrorAndWait(sink, [source.peerUrl], GROUP, N, { pollMs: 100 })));
    const signed = source0.value;
    const { job, secs: mirrorSecs } = signed.value;
    const peakRss = peakRssMiB(sink.child.pid!);
    const id = job.id;

    // Labelled apart, never the signed figure: the same mirror of articles nobody signed
    // (pushed to the source by a peer), into a fresh node, shows what verification costs.
    await fillUnsigned(source, UNSIGNED_GROUP, 'plain', N);
    const plainSink = await spawnNode(['--data', join(tmp.dir, 'sink-unsigned'), '--name', 'bench-sink-unsigned']);
    procs.push(plainSink);
    const plain = await withCpu(plainSink.child.pid!, N, () => mirrorAndWait(plainSink, [source.peerUrl], UNSIGNED_GROUP, N, { pollMs: 100 }));
    const plainPeak = peakRssMiB(plainSink.child.pid!);
    await stop(plainSink);

    const t2 = Date.now();
    await post(`${sink.webUrl}/api/mirrors`, { peer: source.peerUrl, group: GROUP });
    const again = await waitDone(sink.webUrl, id, job.startedAt, 60_000, 5);
    const remirrorSecs = (Date.now() - t2) / 1000;
    if (again.done !== N) throw new Error(`re-mirror ended ${JSON.stringify(again)}`);

    // The same mirror into a node whose V8 old space is capped: shows that the live memory is
    // flat (the default peak is V8 collecting lazily, not data kept) and what a cap costs.
    const capped = await spawnNode(['--data', join(tmp.dir, 'capped'), '--name', 'bench-capped'], { NODE_OPTIONS: `--max-old-space-size=${CAP_MIB}` });
    procs.push(capped);
    if (QUICK) return { articles: N, mirrorArticlesPerSec: Math.round(N / mirrorSecs), sinkPeakRssMiB: peakRss, sinkCpuUsPerArticle: signed.cpuUsPerArticle, sinkMainThreadUsPerArticle: signed.mainUsPerArticle, sourceCpuUsPerArticle: source0.cpuUsPerArticle, unsignedMirrorArticlesPerSec: Math.round(N / plain.value.secs), unsignedSinkCpuUsPerArticle: plain.cpuUsPerArticle, unsignedSinkMainThreadUsPerArticle: plain.mainUsPerArticle, unsignedSinkPeakRssMiB: plainPeak, remirrorUnchangedSecs: remirrorSecs };
    const t4 = Date.now();
    const c = (await post(`${capped.webUrl}/api/mirrors`, { peer: source.peerUrl, group: GROUP })) as { id: string };
    const cappedJob = await waitDone(capped.webUrl, c.id, undefined, 600_000, 100);
    const cappedSecs = (Date.now() - t4) / 1000;
    const cappedPeak = peakRssMiB(capped.child.pid!);
    if (cappedJob.done !== N) throw new Error(`capped mirror ended ${JSON.stringify(cappedJob)}`);
    await stop(capped);

    const t3 = Date.now();
    const res = await fetch(`${source.webUrl}/api/groups/${GROUP}/export?format=mbox`);
    let bytes = 0;
    let messages = 0;
    // Count envelope lines on the raw bytes (no decoding: the client should cost little);
    // a line may straddle two chunks, so the last few bytes are carried over.
    const needle = Buffer.from('\nFrom newsmesh ');
    let carry = Buffer.alloc(0);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1)) messages++;
      carry = Buffer.from(buf.subarray(Math.max(0, buf.length - needle.length + 1)));
    }
    // The first envelope opens the file, with no newline before it.
    if (bytes > 0) messages++;
    const exportSecs = (Date.now() - t3) / 1000;
    if (messages !== N) throw new Error(`export held ${messages} messages, expected ${N}`);

    return {
      articles: N,
      articleBodyBytes: BODY.length,
      fillArticlesPerSec: Math.round(N / fillSecs),
      mirrorSecs,
      mirrorArticlesPerSec: Math.round(N / mirrorSecs),
      mirrorTargetArticlesPerSec: 20_000,
      sinkCpuUsPerArticle: signed.cpuUsPerArticle,
      sinkMainThreadUsPerArticle: signed.mainUsPerArticle,
      sourceCpuUsPerArticle: source0.cpuUsPerArticle,
      sinkRssMiBAtStart: rssBefore,
      sinkPeakRssMiB: peakRss,
      sinkPeakRssTargetMiB: 200,
      // Articles nobody signed: nothing to verify. Shows what verification costs; not the signed figure.
      unsignedMirrorArticlesPerSec: Math.round(N / plain.value.secs),
      unsignedSinkCpuUsPerArticle: plain.cpuUsPerArticle,
      unsignedSinkMainThreadUsPerArticle: plain.mainUsPerArticle,
      unsignedSinkPeakRssMiB: plainPeak,
      cappedOldSpaceMiB: CAP_MIB,
      cappedMirrorArticlesPerSec: Math.round(N / cappedSecs),
      cappedSinkPeakRssMiB: cappedPeak,
      remirrorUnchangedSecs: remirrorSecs,
      remirrorTargetSecs: 1,
      exportMboxSecs: exportSecs,
      exportMboxBytes: bytes,
      exportMboxArticlesPerSec: Math.round(N / exportSecs),
      exportTargetArticlesPerSec: 50_000,
    };
  } finally {
    await Promise.all(procs.map(stop));
    tmp.cleanup();
  }
}
