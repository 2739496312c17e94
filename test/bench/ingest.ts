/**
 * Bench section `ingest`: articles/s of 1 KiB articles through Ingest.submit with many
 * concurrent single-article submitters (as HTTP posts arrive; the writer group-commits them),
 * next to the raw LevelDB rate of 1 KiB values written in batches of 100, measured in the same
 * run on the same disk. Median of a few runs each; temp dirs are removed afterwards.
 */
import { Level } from 'level';
import { systemClock } from '../../node/clock';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { Store } from '../../node/store/store';
import { tempDir } from '../helpers/tmp';

const RUNS = 3;
const ARTICLES = 40_000;
const SUBMITTERS = 64;
const BODY = 'x'.repeat(1024 - 1) + '\n';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Raw LevelDB: 1 KiB string values, batches of 100, sequential. */
export async function rawLevelRate(count = ARTICLES): Promise<number> {
  const tmp = tempDir('newsmesh-bench-raw-');
  const db = new Level<string, string>(tmp.dir);
  await db.open();
  try {
    const t0 = performance.now();
    for (let i = 0; i < count; i += 100) {
      const ops = [];
      for (let j = i; j < i + 100 && j < count; j++) ops.push({ type: 'put' as const, key: `k${j.toString().padStart(10, '0')}`, value: `${j}${BODY}` });
      await db.batch(ops);
    }
    return count / ((performance.now() - t0) / 1000);
  } finally {
    await db.close();
    tmp.cleanup();
  }
}

function article(i: number, now: number) {
  // A mix like a real board: every 4th article replies to an earlier one, a few groups.
  const references = i % 4 === 3 ? [`<bench.${i - 3}@bench>`] : [];
  return {
    id: `<bench.${i}@bench>`,
    newsgroups: [`bench.g${i % 8}`],
    from: 'bench@example',
    subject: `subject ${i}`,
    date: new Date(now).toISOString(),
    references,
    path: ['origin'],
    body: BODY,
  };
}

/** Ingest with `submitters` concurrent loops each submitting one article at a time. */
export async function ingestRate(count = ARTICLES, submitters = SUBMITTERS): Promise<{ rate: number; commits: number }> {
  const tmp = tempDir('newsmesh-bench-ingest-');
  const store = await Store.open(tmp.dir);
  const ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'benchnode', maxArticleBytes: 64 * 1024 });
  await ingest.start();
  const now = Date.now();
  const inputs = Array.from({ length: count }, (_, i) => article(i, now));
  let commits = 0;
  ingest.onAccepted(() => commits++);
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: submitters }, async () => {
        while (next < count) {
          const [r] = await ingest.submit([inputs[next++]], { kind: 'local' });
          if (r.status !== 'accepted') throw new Error(`bench article refused: ${JSON.stringify(r)}`);
        }
      }),
    );
    const rate = count / ((performance.now() - t0) / 1000);
    return { rate, commits };
  } finally {
    await ingest.flushed();
    await store.close();
    tmp.cleanup();
  }
}

export async function ingestSection(): Promise<Record<string, unknown>> {
  const raw: number[] = [];
  const ing: number[] = [];
  let commits = 0;
  // Interleaved, so a slow moment of the disk hits both measurements alike.
  for (let r = 0; r < RUNS; r++) {
    raw.push(await rawLevelRate());
    const x = await ingestRate();
    ing.push(x.rate);
    commits = x.commits;
  }
  const rawMedian = median(raw);
  const ingestMedian = median(ing);
  return {
    articles: ARTICLES,
    articleBytes: 1024,
    submitters: SUBMITTERS,
    runs: RUNS,
    rawLevelBatch100PerSec: Math.round(rawMedian),
    ingestArticlesPerSec: Math.round(ingestMedian),
    ratioToRaw: Number((ingestMedian / rawMedian).toFixed(2)),
    avgArticlesPerCommit: Math.round(ARTICLES / Math.max(1, commits)),
    allRuns: { raw: raw.map(Math.round), ingest: ing.map(Math.round) },
    target: { articlesPerSec: 20000, ratioToRaw: 0.5 },
    met: ingestMedian >= 20000 && ingestMedian / rawMedian >= 0.5,
  };
}
