/**
 * Resident memory of node processes over a soak: read from /proc (Linux; elsewhere the
 * samples are empty), one sample per process per tick, kept per node across its restarts,
 * and drawn as a small text chart (one sparkline row per node on a shared scale, then a table
 * of MB per minute) so a report can show whether memory stays flat.
 */
import { readFileSync } from 'node:fs';

export interface RssSample {
  /** Seconds since the soak began. */
  t: number;
  node: string;
  pid: number;
  mb: number;
  /** Articles acknowledged network-wide by then (what each converged store holds, give or take seconds). */
  articles: number;
}

/** VmRSS of a process in MB, or null when it is gone or /proc is not there. */
export function rssMb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

const BARS = '▁▂▃▄▅▆▇█';

/** Samples per node, in time order. */
export function byNode(samples: RssSample[]): Map<string, RssSample[]> {
  const out = new Map<string, RssSample[]>();
  for (const s of samples) {
    const list = out.get(s.node) ?? [];
    list.push(s);
    out.set(s.node, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.t - b.t);
  return out;
}

/**
 * The chart: per node a sparkline (one character per sample, `|` where the process was
 * restarted), then MB at each minute mark. `everyS` is the sampling period.
 */
export function rssChart(samples: RssSample[], everyS: number): string {
  const nodes = byNode(samples);
  if (nodes.size === 0) return 'no RSS samples (no /proc here)\n';
  const all = samples.map((s) => s.mb);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const bar = (mb: number) => BARS[hi === lo ? 0 : Math.min(BARS.length - 1, Math.floor(((mb - lo) / (hi - lo)) * BARS.length))];
  const width = Math.max(...[...nodes.keys()].map((n) => n.length));
  const lines = [`RSS per process, one mark per ${everyS} s, scale ${lo}-${hi} MB (| = restarted):`];
  for (const [node, list] of nodes) {
    let line = '';
    list.forEach((s, i) => {
      if (i > 0 && s.pid !== list[i - 1].pid) line += '|';
      line += bar(s.mb);
    });
    const mbs = list.map((s) => s.mb);
    lines.push(`${node.padEnd(width)} ${line}  min ${Math.min(...mbs)} max ${Math.max(...mbs)} last ${mbs[mbs.length - 1]} MB`);
  }
  const end = Math.max(...samples.map((s) => s.t));
  const marks: number[] = [];
  for (let t = 0; t <= end + everyS / 2; t += 60) marks.push(t);
  lines.push('', `MB at each minute${' '.repeat(Math.max(0, width - 17))} ${marks.map((t) => `${t / 60}m`.padStart(6)).join('')}`);
  for (const [node, list] of nodes) {
    const at = (t: number) => {
      let best: RssSample | undefined;
      for (const s of list) if (!best || Math.abs(s.t - t) < Math.abs(best.t - t)) best = s;
      return best && Math.abs(best.t - t) <= everyS ? String(Math.round(best.mb)) : '-';
    };
    lines.push(`${node.padEnd(Math.max(width, 17))} ${marks.map((t) => at(t).padStart(6)).join('')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What a node's memory may grow by as its store grows: the in-memory search index (issue 15)
 * took 1.5 MB of RSS per 1,000 articles and LevelDB 0.2 MB in a separate measurement (100,000
 * articles in one node, search on vs off, `newsmesh start`'s heap bound); 2 MB per 1,000 is
 * what the store may explain. Growth beyond that is what a leak would look like.
 */
export const MB_PER_1000_ARTICLES = 2;

export interface MemoryVerdict {
  node: string;
  warmMb: number;
  warmArticles: number;
  endMb: number;
  endArticles: number;
  allowedMb: number;
  ok: boolean;
}

/**
 * Flat memory, per node: the end (median of the last three samples) within 1.5x (+50 MB) of
 * the warmed-up level (median of the samples from 60 to 180 s), plus what the articles stored
 * in between explain (MB_PER_1000_ARTICLES).
 */
export function memoryVerdicts(samples: RssSample[]): MemoryVerdict[] {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return [...byNode(samples)].map(([node, list]) => {
    const warm = list.slice(6, 18).length > 0 ? list.slice(6, 18) : list.slice(0, 1);
    const end = list.slice(-3);
    const warmMb = median(warm.map((s) => s.mb));
    const warmArticles = median(warm.map((s) => s.articles));
    const endMb = median(end.map((s) => s.mb));
    const endArticles = end[end.length - 1].articles;
    const allowedMb = Math.round(warmMb * 1.5 + 50 + (MB_PER_1000_ARTICLES * Math.max(0, endArticles - warmArticles)) / 1000);
    return { node, warmMb, warmArticles, endMb, endArticles, allowedMb, ok: endMb <= allowedMb };
  });
}
