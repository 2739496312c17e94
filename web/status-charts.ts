/**
 * The status page's pictures and health lines from the reading part's NodeHealth: articles
 * in and out per second over the last hour, and per peer (at most CHART_PEERS) throughput,
 * backlog and lag, each an SVG string for the `status-charts.njk` partial.
 */
import type { NodeHealth } from '../node/feature-services';
import { RING_SIZE, SAMPLE_MS } from '../node/reading/series';
import { lineChartSvg, type Line } from './charts';

export const CHART_PEERS = 8;
const SPAN_MS = RING_SIZE * SAMPLE_MS;

export interface StatusCharts {
  traffic: string;
  peers: { name: string; throughput: string; backlog: string; lag: string }[];
  samples: number;
}

/**
 * The charts end at the newest sample (not at the request's "now"), so they change only when
 * a sample is taken: `ChartCache` keeps the last drawing and a status page costs no drawing.
 */
export class ChartCache {
  private last: { key: string; charts: StatusCharts } | null = null;

  get(health: NodeHealth, now: number): StatusCharts {
    const s = health.samples;
    const key = `${s.length}:${s[s.length - 1]?.t ?? 0}:${s[0]?.t ?? 0}`;
    if (this.last?.key !== key) this.last = { key, charts: statusCharts(health, s[s.length - 1]?.t ?? now) };
    return this.last.charts;
  }
}

export function statusCharts(health: NodeHealth, now: number): StatusCharts {
  const s = health.samples;
  const base = { now, spanMs: SPAN_MS, gapMs: SAMPLE_MS * 3 };
  const line = (label: string, cls: Line['cls'], pick: (x: (typeof s)[number]) => number | undefined): Line => ({
    label,
    cls,
    points: s.flatMap((x) => {
      const v = pick(x);
      return v === undefined ? [] : [{ t: x.t, v }];
    }),
  });
  const traffic = lineChartSvg({ ...base, minMax: 1, id: 'ch-traffic', title: 'Articles in and out per second, last hour', unit: '/s', lines: [line('in', 'line-in', (x) => x.inPerS), line('out', 'line-out', (x) => x.outPerS)] });
  const names = [...new Set(s.flatMap((x) => Object.keys(x.peers)))].sort().slice(0, CHART_PEERS);
  const peers = names.map((name, i) => ({
    name,
    throughput: lineChartSvg({ ...base, minMax: 1, id: `ch-p${i}-tp`, title: `${name}: articles in and out per second`, unit: '/s', width: 300, height: 120, lines: [line('in', 'line-in', (x) => x.peers[name]?.inPerS), line('out', 'line-out', (x) => x.peers[name]?.outPerS)] }),
    backlog: lineChartSvg({ ...base, minMax: 10, id: `ch-p${i}-bl`, title: `${name}: backlog (articles waiting to be offered)`, unit: '', width: 300, height: 120, lines: [line('backlog', 'line-in', (x) => x.peers[name]?.backlog)] }),
    lag: lineChartSvg({ ...base, minMax: 1000, id: `ch-p${i}-lag`, title: `${name}: lag (age of the oldest waiting article)`, unit: 'ms', width: 300, height: 120, lines: [line('lag', 'line-in', (x) => x.peers[name]?.lagMs)] }),
  }));
  return { traffic, peers, samples: s.length };
}
