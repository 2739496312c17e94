/**
 * Bench section `nntp`: (1) streaming TAKETHIS ingest of 1 KiB articles over one connection
 * with a window of 1,000, into a newsmesh node process and into INN 2.7 (same articles, same
 * feeder, same run), as a ratio; (2) OVER of a 50,000-article range on both; (3) GROUP of a
 * 1,000,000-article group on newsmesh, next to GROUP of a 100-article one. INN runs from its
 * own temp dir (test/helpers/inn.ts); without it the INN figures say why they are missing.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { systemClock } from '../../node/clock';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { NntpClient } from '../../node/nntp/client';
import { Store } from '../../node/store/store';
import { dotStuff } from '../../protocol/nntp/dot-stuffing';
import { rfc5322Date } from '../../protocol/rfc5536';
import { freePort } from '../helpers/free-port';
import { innAvailability, startInn, type RunningInn } from '../helpers/inn';
import { hostPort } from '../helpers/nntp';
import { spawnNode, type NodeProcess } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { median } from './ingest';

// NEWSMESH_BENCH_NNTP_SCALE (0-1] shrinks the loads for a quick look; the figures are for 1.
const SCALE = Math.min(1, Math.max(0.001, Number(process.env.NEWSMESH_BENCH_NNTP_SCALE ?? 1) || 1));
const ARTICLES = Math.round(50_000 * SCALE);
const WINDOW = 1000;
const RUNS = SCALE < 1 ? 1 : 3;
const GROUP_SIZE = Math.round(1_000_000 * SCALE);

interface Feed {
  id: string;
  /** `TAKETHIS id` and the dot-stuffed article. */
  bytes: Buffer;
}

/** 1 KiB articles (headers and body) in one group, ready to send. */
function articles(count: number, tag: string, group: string): Feed[] {
  const date = rfc5322Date(new Date().toISOString());
  const out: Feed[] = [];
  for (let i = 0; i < count; i++) {
    const id = `<${i}.${tag}@feeder.bench>`;
    const head = `Path: feeder.bench!not-for-mail\r\nFrom: Bench <bench@feeder.bench>\r\nNewsgroups: ${group}\r\nSubject: bench article ${i}\r\nDate: ${date}\r\nMessage-ID: ${id}\r\n\r\n`;
    const line = `${'x'.repeat(62)}\r\n`;
    let body = '';
    while (head.length + body.length + line.length <= 1024) body += line;
    body += 'y'.repeat(Math.max(0, 1024 - head.length - body.length - 2)) + '\r\n';
    out.push({ id, bytes: Buffer.concat([Buffer.from(`TAKETHIS ${id}\r\n`), dotStuff(Buffer.from(head + body))]) });
  }
  return out;
}

/** CPU time (user + system, all threads) a process has used so far, in µs (Linux /proc). */
export function cpuUs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / 100);
  } catch {
    return Number.NaN;
  }
}

/**
 * Streams every article with TAKETHIS, at most `window` unanswered; articles/s, how many were
 * taken, and the server process's CPU per article (steadier than the rate on a shared machine).
 */
async function streamTakethis(host: string, port: number, feed: Feed[], serverPid?: number, window = WINDOW): Promise<{ rate: number; accepted: number; refused: string[]; cpuUsPerArticle: number }> {
  const c = await NntpClient.connect({ host, port, timeoutMs: 120_000 });
  try {
    const mode = await c.command('MODE STREAM');
    if (mode.code !== 203) throw new Error(`MODE STREAM answered ${mode.code} ${mode.text}`);
    let next = 0;
    let done = 0;
    let accepted = 0;
    const refused: string[] = [];
    const cpu0 = cpuUs(serverPid);
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (next < feed.length && next - done < window) {
          const end = Math.min(feed.length, next + 100, done + window);
          const ps = c.writeMany(Buffer.concat(feed.slice(next, end).map((f) => f.bytes)), new Array<string>(end - next).fill('TAKETHIS'));
          next = end;
          for (const p of ps) {
            p.then((r) => {
              done++;
              if (r.code === 239) accepted++;
              else if (refused.length < 5) refused.push(`${r.code} ${r.text}`);
              if (done === feed.length) resolve();
              else if (next - done <= window - 100) pump();
            }, reject);
          }
        }
      };
      pump();
    });
    const rate = feed.length / ((performance.now() - t0) / 1000);
    return { rate, accepted, refused, cpuUsPerArticle: Math.round((cpuUs(serverPid) - cpu0) / feed.length) };
  } finally {
    await c.quit();
  }
}

/** OVER of the whole range `1-count` in `group`: lines/s. */
async function overRate(host: string, port: number, group: string, reader: boolean): Promise<{ linesPerSec: number; lines: number; ms: number }> {
  const c = await NntpClient.connect({ host, port, timeoutMs: 120_000 });
  try {
    if (reader) await c.command('MODE READER');
    const g = await c.command(`GROUP ${group}`);
    const [, low, high] = g.text.split(' ').map(Number);
    const t0 = performance.now();
    const r = await c.command(`OVER ${low}-${high}`);
    const ms = performance.now() - t0;
    if (r.code !== 224) throw new Error(`OVER answered ${r.code} ${r.text}`);
    let lines = 0;
    for (let i = r.block!.indexOf(10); i >= 0; i = r.block!.indexOf(10, i + 1)) lines++;
    return { linesPerSec: Math.round(lines / (ms / 1000)), lines, ms: Math.round(ms) };
  } finally {
    await c.quit();
  }
}

/** GROUP round trips, one after another: p50 and p99 in ms. */
async function groupLatency(host: string, port: number, group: string, times = 1000): Promise<{ p50: number; p99: number; answer: string }> {
  const c = await NntpClient.connect({ host, port, timeoutMs: 30_000 });
  try {
    const ms: number[] = [];
    let answer = '';
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      const r = await c.command(`GROUP ${group}`);
      ms.push(performance.now() - t0);
      answer = `${r.code} ${r.text}`;
    }
    ms.sort((a, b) => a - b);
    return { p50: Number(ms[Math.floor(times / 2)].toFixed(3)), p99: Number(ms[Math.floor(times * 0.99)].toFixed(3)), answer };
  } finally {
    await c.quit();
  }
}

/** A server that only greets: the peer the node's feeder connection is recognised as (its address). */
async function greeter(): Promise<{ server: Server; url: string }> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.end('200 feeder.bench ready\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `nntp://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** A fresh newsmesh node process that takes transit from 127.0.0.1 (articles are not fed back to their sender). */
async function meshNode(dir: string, peerUrl: string): Promise<NodeProcess> {
  const node = await spawnNode(['--data', dir, '--name', 'mesh-bench'], { NEWSMESH_LOG_LEVEL: 'warn' });
  const res = await fetch(`${node.webUrl}/api/peers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: peerUrl, name: 'feeder.bench' }) });
  if (res.status !== 201) throw new Error(`adding the feeder peer: ${res.status} ${await res.text()}`);
  return node;
}

async function stop(node: NodeProcess): Promise<void> {
  node.child.kill('SIGTERM');
  await node.exited;
}

/** Fills a store with `count` small articles in one group through the ingest (as a node would hold them). */
async function fillHugeGroup(dir: string, group: string, count: number): Promise<void> {
  const store = await Store.open(dir);
  const ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'mesh-bench', maxArticleBytes: 65536 });
  await ingest.start();
  const date = new Date().toISOString();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 1000); j++) batch.push({ id: `<g${j}@fill.bench>`, newsgroups: [group], from: 'f@fill.bench', subject: `s${j}`, date, references: [], path: ['fill'], body: 'b\n' });
    inflight.push(ingest.submit(batch, { kind: 'import' }));
    if (inflight.length >= 4) await inflight.shift();
  }
  await Promise.all(inflight);
  await ingest.flushed();
  await store.close();
}

export async function nntpSection(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { articles: ARTICLES, articleBytes: 1024, window: WINDOW, runs: RUNS };
  const g = await greeter();
  const avail = innAvailability();
  const meshRates: number[] = [];
  const meshCpu: number[] = [];
  const innCpu: Record<string, number[]> = { tradspool: [], cnfs: [] };
  const innRates: Record<string, number[]> = { tradspool: [], cnfs: [] };
  const overMesh: number[] = [];
  const overInn: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const feed = articles(ARTICLES, `r${run}.${Date.now()}`, 'bench.over');
      // newsmesh
      const d = tempDir('newsmesh-bench-nntp-');
      const node = await meshNode(d.dir, g.url);
      try {
        const { host, port } = hostPort(node.nntpUrl!);
        const r = await streamTakethis(host, port, feed, node.child.pid);
        if (r.accepted !== ARTICLES) throw new Error(`newsmesh took ${r.accepted} of ${ARTICLES}: ${r.refused.join('; ')}`);
        meshRates.push(r.rate);
        meshCpu.push(r.cpuUsPerArticle);
        overMesh.push((await overRate(host, port, 'bench.over', false)).linesPerSec);
      } finally {
        await stop(node);
        d.cleanup();
      }
      // INN, with Debian's default storage (tradspool) and with CNFS, its fastest.
      if (!avail.ok) continue;
      for (const method of ['tradspool', 'cnfs'] as const) {
        let inn: RunningInn | null = null;
        try {
          const port = await freePort();
          inn = await startInn({ port, groups: ['bench.over'], peers: [{ name: 'feeder', hostname: '127.0.0.1' }], storage: method === 'cnfs' ? { method, mib: 256 } : { method } });
          const r = await streamTakethis('127.0.0.1', port, feed, inn.child.pid);
          if (r.accepted !== ARTICLES) throw new Error(`INN (${method}) took ${r.accepted} of ${ARTICLES}: ${r.refused.join('; ')}`);
          innRates[method].push(r.rate);
          innCpu[method].push(r.cpuUsPerArticle);
          // INN's OVER is nnrpd's (a reader connection); from a peer address MODE READER hands over to it.
          if (method === 'tradspool') overInn.push((await overRate('127.0.0.1', port, 'bench.over', true)).linesPerSec);
        } finally {
          await inn?.stop();
        }
      }
    }
  } catch (err) {
    g.server.close();
    throw err;
  }
  const mesh = median(meshRates);
  out.takethis = {
    newsmeshPerSec: Math.round(mesh),
    allRuns: { newsmesh: meshRates.map(Math.round), innTradspool: innRates.tradspool.map(Math.round), innCnfs: innRates.cnfs.map(Math.round) },
    serverCpuUsPerArticle: { newsmesh: median(meshCpu), ...(avail.ok ? { innTradspool: median(innCpu.tradspool), innCnfs: median(innCpu.cnfs) } : {}) },
    ...(avail.ok
      ? {
          innTradspoolPerSec: Math.round(median(innRates.tradspool)),
          innCnfsPerSec: Math.round(median(innRates.cnfs)),
          ratioToInnTradspool: Number((mesh / median(innRates.tradspool)).toFixed(2)),
          ratioToInnCnfs: Number((mesh / median(innRates.cnfs)).toFixed(2)),
        }
      : { inn: `not measured: ${avail.why}` }),
    target: { ratioToInn: 1.0 },
  };
  out.over = {
    rangeArticles: ARTICLES,
    newsmeshLinesPerSec: median(overMesh),
    ...(avail.ok ? { innNnrpdLinesPerSec: median(overInn) } : {}),
    target: { linesPerSec: 100_000 },
    met: median(overMesh) >= 100_000,
  };

  // GROUP of a 1,000,000-article group, and of a small one on the same node.
  const d = tempDir('newsmesh-bench-group-');
  try {
    const t0 = performance.now();
    await fillHugeGroup(d.dir, 'bench.huge', GROUP_SIZE);
    const fillSec = (performance.now() - t0) / 1000;
    const node = await meshNode(d.dir, g.url);
    try {
      const { host, port } = hostPort(node.nntpUrl!);
      const c = await NntpClient.connect({ host, port });
      for (let i = 0; i < 100; i++) await c.command('POST').then((r) => (r.code === 340 ? c.sendBlock(Buffer.from(`From: s@bench\r\nNewsgroups: bench.small\r\nSubject: ${i}\r\n\r\nx\r\n`)) : r));
      await c.quit();
      const huge = await groupLatency(host, port, 'bench.huge');
      const small = await groupLatency(host, port, 'bench.small');
      out.group = { articles: GROUP_SIZE, fillSec: Math.round(fillSec), huge, small, target: { ms: 5 }, met: huge.p99 < 5 };
    } finally {
      await stop(node);
    }
  } finally {
    d.cleanup();
    g.server.close();
  }
  return out;
}

