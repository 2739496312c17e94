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
