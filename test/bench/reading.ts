/**
 * Bench section `reading`: the reading features against a node PROCESS (the built CLI) over
 * loopback with autocannon, one connection (latency), plus ingest with and without the
 * search indexer in the same run. Figures and targets:
 * - `/a/ID` of a 1,000-reply thread of 60 KB bodies: p99 < 100 ms and < 1 MB of HTML (the
 *   first, cold view is reported too: it fills the thread overview cache);
 * - `GET /api/search` over 100,000 articles, one- and two-word queries: p99 < 50 ms;
 * - ingest of 40,000 articles with the indexer on: >= 80 % of the rate with it off (medians
 *   of alternating runs), and how long the index then takes to catch up;
 * - `/status` with a full hour of samples for 8 peers: p99 < 20 ms.
 * The 500-article thread's `/a/ID` is measured by the `web` section.
 */
import autocannon from 'autocannon';
import { startNode } from '../../node/main';
import { silentLogger } from '../../node/logger';
import { readingPart } from '../../node/reading/reading-part';
import { rebuildSearchIndex } from '../../node/reading/reindex';
import type { Sample } from '../../node/reading/series';
import { Store } from '../../node/store/store';
import type { ArticleInput } from '../../protocol/article';
import { spawnNode } from '../helpers/process';
import { tempDir } from '../helpers/tmp';
import { stopChild } from '../helpers/child';
import { median } from './ingest';
import { waitFor } from '../helpers/wait';

const SEARCH_ARTICLES = 100_000;
const THREAD_REPLIES = 1000;
const BODY_60K = 60 * 1024;
const DURATION_S = 4;
const INGEST_ARTICLES = 40_000;
const INGEST_RUNS = 3;
const SUBMITTERS = 128;

/** A vocabulary with a long tail, so some words are in most articles and some in few. */
const VOCAB = Array.from({ length: 4000 }, (_, i) => `${['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi'][i % 8]}${i.toString(36)}${['n', 'r', 'l', 's'][i % 4]}`);
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const word = () => VOCAB[Math.floor(VOCAB.length * rnd() ** 3)];
const words = (n: number) => Array.from({ length: n }, word).join(' ');

interface Figures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

function cannon(url: string, seconds = DURATION_S, connections = 1): Promise<Figures> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds }, (err, r) => {
      if (err) return reject(err);
      resolve({ reqPerSec: Math.round(r['2xx'] / r.duration), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx });
    });
  });
}

let n = 0;
function article(group: string, subject: string, body: string, references: string[] = [], t = Date.now() - 86400_000): ArticleInput {
  n++;
  return { id: `<rb.${n}@reading-bench>`, newsgroups: [group], from: `Poster ${n % 89} <p${n % 89}@example>`, subject, date: new Date(t + n).toISOString(), references, path: ['elsewhere'], body };
}

/** 100,000 searchable articles, the 1,000-reply thread of 60 KB bodies, an hour of traffic. */
async function fill(dir: string): Promise<{ threadRoot: string; threadLast: string; reindexSeconds: number }> {
  const node = await startNode({ data: dir, name: 'reading-bench', web: '127.0.0.1:0', listen: '127.0.0.1:0' }, { logger: silentLogger(), parts: [] });
  const submit = async (batch: ArticleInput[]) => {
    const results = await node.components.ingest.submit(batch, { kind: 'local' });
    const bad = results.find((r) => r.status !== 'accepted');
    if (bad) throw new Error(`fill: ${bad.id} ${bad.status} ${bad.reason}`);
  };
  let threadRoot = '';
  let threadLast = '';
  try {
    let batch: ArticleInput[] = [];
    for (let i = 0; i < SEARCH_ARTICLES; i++) {
      batch.push(article(`search.g${i % 20}`, words(6), `${words(60)}\n> ${words(10)}\n${words(20)}\n`));
      if (batch.length === 1000) {
        await submit(batch);
        batch = [];
      }
    }
    const root = article('big.thread', 'A thread of a thousand long replies', `${words(50)}\n`.repeat(BODY_60K / 400));
    threadRoot = root.id;
    await submit([root]);
    const chain = [root.id];
    for (let i = 0; i < THREAD_REPLIES; i += 50) {
      batch = [];
      for (let j = 0; j < 50; j++) {
        // Each reply answers a recent one, so the tree is deep as well as wide.
        const parent = chain[Math.max(0, chain.length - 1 - Math.floor(rnd() * 5))];
        const a = article('big.thread', 'Re: A thread of a thousand long replies', `${words(50)}\n`.repeat(BODY_60K / 400).slice(0, BODY_60K), [root.id, ...(parent === root.id ? [] : [parent])]);
        chain.push(a.id);
        batch.push(a);
      }
      await submit(batch);
    }
    threadLast = chain[chain.length - 1];
  } finally {
    await node.close();
  }
  const store = await Store.open(dir);
  try {
    const t0 = performance.now();
    await rebuildSearchIndex(store, silentLogger());
    const reindexSeconds = (performance.now() - t0) / 1000;
    // An hour of samples for eight peers, as a running node would have saved it.
    const now = Date.now();
    const samples: Sample[] = [];
    for (let t = now - 3600_000 + 10_000; t <= now; t += 10_000) {
      const peers: Sample['peers'] = {};
      for (let p = 0; p < 8; p++) peers[`peer-${p}`] = { inPerS: rnd() * 100, outPerS: rnd() * 100, lagMs: rnd() * 5000, backlog: Math.floor(rnd() * 1000) };
      samples.push({ t, inPerS: rnd() * 500, outPerS: rnd() * 800, peers });
    }
    await store.subs.meta.put('series', samples);
    return { threadRoot, threadLast, reindexSeconds };
  } finally {
    await store.close();
  }
}

/** Ingest of INGEST_ARTICLES word-filled 1 KiB articles by 128 submitters, with or without the indexer. */
async function ingestRun(withIndex: boolean): Promise<{ rate: number; indexCaughtUpSeconds?: number }> {
  const tmp = tempDir('newsmesh-bench-reading-ingest-');
  const node = await startNode({ data: tmp.dir, name: 'ri', web: '127.0.0.1:0', listen: '127.0.0.1:0' }, { logger: silentLogger(), parts: withIndex ? [readingPart()] : [] });
  try {
    const t = Date.now() - 3600_000;
    const inputs = Array.from({ length: INGEST_ARTICLES }, (_, i) => article(`ing.g${i % 8}`, words(6), `${words(150)}\n`.slice(0, 1024), [], t));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: SUBMITTERS }, async () => {
        while (next < inputs.length) {
          const [r] = await node.components.ingest.submit([inputs[next++]], { kind: 'local' });
          if (r.status !== 'accepted') throw new Error(`bench article refused: ${JSON.stringify(r)}`);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const out: { rate: number; indexCaughtUpSeconds?: number } = { rate: Math.round(INGEST_ARTICLES / secs) };
    if (withIndex) {
      const reading = node.components.service.reading!;
      // Measured, not required: past two minutes the figure says how long it took anyway.
      await waitFor('the index caught up', async () => (await reading.searchStatus()).pending === 0, { timeoutMs: 120_000, everyMs: 50 }).catch(() => undefined);
      out.indexCaughtUpSeconds = Number(((performance.now() - t0) / 1000).toFixed(2));
    }
    return out;
  } finally {
    await node.close();
    tmp.cleanup();
  }
}

export async function readingSection(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // Ingest with and without the indexer, alternating so machine noise falls on both.
  const off: number[] = [];
  const on: number[] = [];
  const caughtUp: number[] = [];
  for (let i = 0; i < INGEST_RUNS; i++) {
    off.push((await ingestRun(false)).rate);
    const r = await ingestRun(true);
    on.push(r.rate);
    caughtUp.push(r.indexCaughtUpSeconds ?? NaN);
  }
  out.ingest = { articles: INGEST_ARTICLES, withoutIndexPerSec: median(off), withIndexPerSec: median(on), ratio: Number((median(on) / median(off)).toFixed(3)), runsOff: off, runsOn: on, indexCaughtUpSeconds: caughtUp };

  const tmp = tempDir('newsmesh-bench-reading-');
  try {
    const tFill = performance.now();
    const filled = await fill(tmp.dir);
    out.fillSeconds = Number(((performance.now() - tFill) / 1000).toFixed(1));
    out.reindex100kSeconds = Number(filled.reindexSeconds.toFixed(1));
    const proc = await spawnNode(['--data', tmp.dir]);
    try {
      const base = proc.webUrl;
      let status: { ready: boolean; pending: number; docs: number } = { ready: false, pending: 1, docs: 0 };
      await waitFor(
        'the search index ready',
        async () => {
          status = (await (await fetch(`${base}/api/search/status`)).json()) as typeof status;
          return status.ready && status.pending === 0;
        },
        { timeoutMs: 120_000, everyMs: 100 },
      ).catch(() => undefined);
      out.searchIndexDocs = status.docs;

      const threadUrl = `${base}/a/${encodeURIComponent(filled.threadLast)}`;
      const t0 = performance.now();
      const first = await fetch(threadUrl);
      const html = await first.text();
      const coldMs = performance.now() - t0;
      const shown = (html.match(/<li class="msg/g) ?? []).length;
      if (first.status !== 200 || shown === 0) throw new Error(`/a/ID answered ${first.status} with ${shown} articles`);
      await cannon(threadUrl, 1);
      out.thread1000x60KB = { ...(await cannon(threadUrl)), htmlBytes: Buffer.byteLength(html), articlesOnPage: shown, coldFirstViewMs: Math.round(coldMs) };

      const queries = {
        oneWordCommon: VOCAB[0],
        oneWordRare: VOCAB[1500],
        twoWordsCommon: `${VOCAB[0]} ${VOCAB[1]}`,
        twoWordsMixed: `${VOCAB[2]} ${VOCAB[400]}`,
        twoWordsInGroupNewest: `${VOCAB[3]} ${VOCAB[5]}&group=search.g7&sort=new`,
      };
      const search: Record<string, unknown> = {};
      for (const [name, q] of Object.entries(queries)) {
        const url = `${base}/api/search?q=${q.replace(/ /g, '+')}`;
        const hits = ((await (await fetch(url)).json()) as unknown[]).length;
        await cannon(url, 1);
        search[name] = { ...(await cannon(url, 3)), hitsOnPage: hits };
      }
      out.search100k = search;

      await cannon(`${base}/status`, 1);
      out.statusPage = await cannon(`${base}/status`);
    } finally {
      await stopChild(proc.child);
    }
  } finally {
    tmp.cleanup();
  }
  const t = out.thread1000x60KB as Figures & { htmlBytes: number };
  const s = Object.values(out.search100k as Record<string, Figures>);
  const ing = out.ingest as { ratio: number };
  out.targets = {
    thread1000Under100ms: t.p99Ms < 100,
    thread1000UnderOneMB: t.htmlBytes < 1024 * 1024,
    searchP99Under50ms: s.every((x) => x.p99Ms < 50),
    ingestWithIndexAtLeast80Pct: ing.ratio >= 0.8,
    statusPageUnder20ms: (out.statusPage as Figures).p99Ms < 20,
  };
  return out;
}
