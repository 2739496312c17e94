/**
 * Bench section `web`: page speed of the web UI against a node PROCESS (the built CLI), with
 * autocannon over loopback. Figures: `/g/GROUP` (50 threads) on a 100,000-article group and
 * on a 100-article group at 10 connections (the targets: >= 2,000 pages/s, p99 <
 * 25 ms, the two within 20 %), a deep page of the big group, and `/a/ID` in a 500-article
 * thread. The store is filled in-process through Ingest first, then closed and served by a
 * node process, once with the group-page cache and once without (NEWSMESH_WEB_PAGE_CACHE=0);
 * the yardstick is bare fastify sending a fixed 20 KB page under the same load.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startNode, type RunningNode } from '../../node/main';
import { silentLogger } from '../../node/logger';
import type { ArticleInput } from '../../protocol/article';
import { spawnNode } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { spawnListening, stopChild } from '../helpers/child';
import { waitFor } from '../helpers/wait';

const CONNECTIONS = 10;
const WARMUP_S = 2;
const DURATION_S = 6;
/** Each group-page URL is measured in this many alternating rounds of DURATION_S / ROUNDS. */
const ROUNDS = 3;
const BIG = 100_000;
const SMALL = 100;
const DEEP = 500;
const ROOT = join(__dirname, '..', '..', '..');

interface PageFigures {
  pagesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  bytes: number;
}

function cannon(url: string, seconds: number, connections = CONNECTIONS): Promise<PageFigures> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds }, (err, r) => {
      if (err) return reject(err);
      resolve({
        pagesPerSec: Math.round(r['2xx'] / r.duration),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
        bytes: Math.round(r.throughput.average / Math.max(1, r.requests.average)),
      });
    });
  });
}

let seq = 0;
function article(group: string, subject: string, references: string[], t: number): ArticleInput {
  seq++;
  return {
    id: `<bench.${seq}.${t.toString(36)}@web-bench>`,
    newsgroups: [group],
    from: `Poster ${seq % 97} <p${seq % 97}@example>`,
    subject,
    date: new Date(t).toISOString(),
    references,
    path: ['elsewhere'],
    body: `Body of article ${seq}.\n> a quoted line\nhttps://example.org/${seq}\n`.repeat(4),
  };
}

/**
 * Fills bench.big (100,000 articles) and bench.small (100) with threads of a root and one
 * reply, so every page shows 50 threads, and bench.deep with one 500-article thread.
 * Returns the id of that thread's last article.
 */
export async function fill(dir: string): Promise<string> {
  const node = await startNode({ data: dir, name: 'web-bench', web: '127.0.0.1:0', listen: '127.0.0.1:0' }, { logger: silentLogger(), parts: [] });
  try {
    return await fillNode(node);
  } finally {
    await node.close();
  }
}

async function fillNode(node: RunningNode): Promise<string> {
  const { ingest } = node.components;
  const t0 = Date.now() - 30 * 86400_000;
  const submit = async (batch: ArticleInput[]) => {
    const results = await ingest.submit(batch, { kind: 'local' });
    const bad = results.find((r) => r.status !== 'accepted');
    if (bad) throw new Error(`fill: ${bad.id} ${bad.status} ${bad.reason}`);
  };
  for (const [group, count] of [['bench.big', BIG], ['bench.small', SMALL]] as const) {
    let batch: ArticleInput[] = [];
    for (let i = 0; i < count / 2; i++) {
      const root = article(group, `Thread ${i} in ${group}`, [], t0 + i * 1000);
      batch.push(root, article(group, `Re: Thread ${i} in ${group}`, [root.id], t0 + i * 1000 + 500));
      if (batch.length >= 1000) {
        await submit(batch);
        batch = [];
      }
    }
    if (batch.length) await submit(batch);
  }
  // One thread of 500: each reply answers a random earlier article, so the tree is bushy and deep.
  const deep: ArticleInput[] = [article('bench.deep', 'A long discussion', [], t0)];
  for (let i = 1; i < DEEP; i++) {
    const parent = deep[Math.floor(Math.random() * deep.length)];
    const refs = [...(parent.references ?? []), parent.id];
    deep.push(article('bench.deep', 'Re: A long discussion', refs.length > 100 ? [refs[0], ...refs.slice(-99)] : refs, t0 + i * 1000));
  }
  await submit(deep);
  return deep[DEEP - 1].id;
}

/** The yardstick: bare fastify sending a fixed string of the group page's size, same load. */
const BARE = `
const app = require('fastify')();
const html = 'x'.repeat(Number(process.argv[1]));
app.get('/', async (req, reply) => reply.type('text/html; charset=utf-8').send(html));
app.listen({ host: '127.0.0.1', port: 0 }).then((a) => process.stdout.write('listening ' + a + '\\n'));
`;

function spawnBare(bytes: number): Promise<{ child: ChildProcess; url: string }> {
  return spawnListening(BARE, [String(bytes)], ROOT);
}

const stop = stopChild;

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/**
 * Group pages of one node process: the big and the small group, and a page deep in the big
 * one. The three URLs are measured in alternating rounds and each figure is the median of
 * its rounds, so a burst of load on the shared machine does not land on one URL only.
 */
async function groupPages(base: string): Promise<Record<string, PageFigures | number>> {
  const check = await fetch(`${base}/g/bench.big`);
  const html = await check.text();
  const threadsOnPage = (html.match(/<li class="thread[ "]/g) ?? []).length;
  if (check.status !== 200 || threadsOnPage !== 50) throw new Error(`/g/bench.big answered ${check.status} with ${threadsOnPage} threads`);
  const urls = {
    big: `${base}/g/bench.big`,
    small: `${base}/g/bench.small`,
    // Half way down the archive: paging by the activity cursor costs the same as the first page.
    deepPage: `${base}/g/bench.big?before=${BIG / 2}`,
  };
  for (const url of Object.values(urls)) await cannon(url, 1);
  const runs: Record<string, PageFigures[]> = { big: [], small: [], deepPage: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url] of Object.entries(urls)) runs[name].push(await cannon(url, DURATION_S / ROUNDS));
  }
  const out: Record<string, PageFigures | number> = {};
  for (const [name, list] of Object.entries(runs)) {
    out[name] = {
      pagesPerSec: median(list.map((r) => r.pagesPerSec)),
      p50Ms: median(list.map((r) => r.p50Ms)),
      p99Ms: median(list.map((r) => r.p99Ms)),
      non2xx: list.reduce((n, r) => n + r.non2xx, 0),
      errors: list.reduce((n, r) => n + r.errors, 0),
      bytes: list[0].bytes,
    };
  }
  out.bigVsSmallRatio = Number(((out.big as PageFigures).pagesPerSec / Math.max(1, (out.small as PageFigures).pagesPerSec)).toFixed(3));
  return out;
}

export async function webSection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-web-bench-');
  try {
    const tFill = Date.now();
    const deepId = await fill(tmp.dir);
    const out: Record<string, unknown> = { fillSeconds: (Date.now() - tFill) / 1000, connections: CONNECTIONS, durationS: DURATION_S };
    const bare = await spawnBare(20_000);
    try {
      await cannon(bare.url, WARMUP_S);
      out.yardstickBareFastify20KiB = await cannon(bare.url, DURATION_S);
    } finally {
      await stop(bare.child);
    }
    for (const [label, env] of [['cached', {}], ['uncached', { NEWSMESH_WEB_PAGE_CACHE: '0' }]] as const) {
      const proc = await spawnNode(['--data', tmp.dir], env);
      try {
        // The page figures are for a settled node: the search index catches up first.
        await waitFor(
          'the search index settled',
          async () => {
            const s = (await (await fetch(`${proc.webUrl}/api/search/status`)).json()) as { ready: boolean; pending: number };
            return s.ready && s.pending === 0;
          },
          { timeoutMs: 120_000, everyMs: 200 },
        ).catch(() => undefined);
        out[`groupPages_${label}`] = await groupPages(proc.webUrl);
        if (label === 'cached') {
          const articleUrl = `${proc.webUrl}/a/${encodeURIComponent(deepId)}`;
          const a = await fetch(articleUrl);
          // The whole-thread view: the page of articles holding this one, and the outline.
          const rows = ((await a.text()).match(/<li class="msg/g) ?? []).length;
          if (a.status !== 200 || rows === 0) throw new Error(`/a/ID answered ${a.status} with ${rows} articles`);
          await cannon(articleUrl, WARMUP_S, 1);
          out.thread500Article = { ...(await cannon(articleUrl, DURATION_S, 1)), connections: 1 };
        }
      } finally {
        await stop(proc.child);
      }
    }
    const cached = out.groupPages_cached as { big: PageFigures; bigVsSmallRatio: number };
    const uncached = out.groupPages_uncached as { big: PageFigures; bigVsSmallRatio: number };
    const thread = out.thread500Article as PageFigures;
    out.targets = {
      groupPagesPerSecAtLeast2000: cached.big.pagesPerSec >= 2000,
      groupP99Under25ms: cached.big.p99Ms < 25,
      bigWithin20PctOfSmall: Math.abs(1 - cached.bigVsSmallRatio) <= 0.2,
      bigWithin20PctOfSmallUncached: Math.abs(1 - uncached.bigVsSmallRatio) <= 0.2,
      thread500Under50ms: thread.p99Ms < 50,
    };
    return out;
  } finally {
    tmp.cleanup();
  }
}
