/**
 * Bench section `startup`: builds a data dir holding 1,000,000 articles (straight through
 * Ingest in big commits, in a temp dir removed afterwards), then spawns the built
 * `newsmesh start` on it and measures the time from spawn to the ready line and the RSS of
 * the process right after. Median of a few starts.
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../../node/clock';
import { Ingest } from '../../node/ingest/ingest';
import { silentLogger } from '../../node/logger';
import { Metrics } from '../../node/metrics';
import { Store } from '../../node/store/store';
import { spawnNode } from '../helpers/process';
import { tempDir } from '../helpers/tmp';

const ARTICLES = Number(process.env.BENCH_STARTUP_ARTICLES ?? 1_000_000);
const GROUPS = 100;
const COMMIT = 5000;
const STARTS = 3;
/** Building must not run away: stop after this long whatever the count. */
const BUILD_LIMIT_MS = 10 * 60 * 1000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Fills `dir` with `count` small articles spread over GROUPS groups, threads of 5. */
export async function buildStore(dir: string, count: number): Promise<{ articles: number; buildS: number }> {
  const store = await Store.open(dir);
  const ingest = new Ingest({ store, clock: systemClock, logger: silentLogger(), metrics: new Metrics() }, { name: 'benchbuild', maxArticleBytes: 64 * 1024, maxCommit: COMMIT });
  await ingest.start();
  const date = new Date().toISOString();
  const t0 = Date.now();
  let made = 0;
  try {
    while (made < count && Date.now() - t0 < BUILD_LIMIT_MS) {
      const batch = [];
      for (let i = made; i < Math.min(count, made + COMMIT); i++) {
        batch.push({
          id: `<s.${i}@bench>`,
          newsgroups: [`bench.g${i % GROUPS}`],
          from: 'bench@example',
          subject: `startup ${i}`,
          date,
          references: i % 5 === 0 ? [] : [`<s.${i - (i % 5)}@bench>`],
          path: ['origin'],
          body: `article ${i} `.repeat(10),
        });
      }
      const results = await ingest.submit(batch, { kind: 'import' });
      const refused = results.find((r) => r.status !== 'accepted');
      if (refused) throw new Error(`bench build refused an article: ${JSON.stringify(refused)}`);
      made += results.length;
    }
  } finally {
    await ingest.flushed();
    await store.close();
  }
  return { articles: made, buildS: (Date.now() - t0) / 1000 };
}

/** CPU time (user + system) the process has used so far: a figure a busy machine does not inflate. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export async function startupSection(): Promise<Record<string, unknown>> {
  const tmp = tempDir('newsmesh-bench-startup-');
  try {
    const built = await buildStore(tmp.dir, ARTICLES);
    const readyMs: number[] = [];
    const rss: number[] = [];
    const cpu: number[] = [];
    let stats: { articles?: number } = {};
    for (let i = 0; i < STARTS; i++) {
      const t0 = performance.now();
      const node = await spawnNode(['--data', tmp.dir], { NEWSMESH_LOG_LEVEL: 'warn' }, 30_000);
      readyMs.push(performance.now() - t0);
      rss.push(rssMb(node.child.pid!));
      cpu.push(cpuMs(node.child.pid!));
      if (i === STARTS - 1) stats = (await (await fetch(`${node.webUrl}/api/stats`)).json()) as { articles?: number };
      node.child.kill('SIGTERM');
      const code = await node.exited;
      if (code !== 0) throw new Error(`node exited with ${code} on SIGTERM`);
    }
    const ms = Math.round(median(readyMs));
    const mb = median(rss);
    return {
      articles: built.articles,
      articlesSeenByNode: stats.articles,
      buildSeconds: Number(built.buildS.toFixed(1)),
      readyMs: ms,
      rssMb: mb,
      cpuMsToReady: median(cpu),
      allRuns: { readyMs: readyMs.map(Math.round), rssMb: rss, cpuMsToReady: cpu },
      target: { readyMs: 1000, rssMb: 150 },
      met: ms < 1000 && mb < 150 && built.articles === ARTICLES,
    };
  } finally {
    tmp.cleanup();
  }
}
