/**
 * Server-rendered SVG charts (no script): a time series over the last hour as one or two
 * lines with a light grid, y labels and a text summary for screen readers. Colours come from
 * the stylesheet's classes, so dark mode and the CSP (no inline style) both hold. Bounded:
 * at most one point per sample of the ring.
 */
import { escapeHtml } from './text';

export interface Line {
  label: string;
  /** CSS class of the line: `line-in` or `line-out`. */
  cls: 'line-in' | 'line-out';
  points: { t: number; v: number }[];
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  lines: Line[];
  now: number;
  spanMs: number;
  /** Points further apart than this leave a gap (the node was down). */
  gapMs: number;
  width?: number;
  height?: number;
  /** The y axis reaches at least this (a quiet link still shows a scale that means something). */
  minMax?: number;
}

const PAD = { left: 44, right: 8, top: 8, bottom: 20 };

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** One formatter: Number#toLocaleString builds a new one per call (~0.1 ms each). */
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatValue(v: number, unit: string): string {
  if (unit === 'ms') return v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 || v % 1000 === 0 ? 0 : 1)} s` : `${Math.round(v)} ms`;
  const n = v >= 100 || Number.isInteger(v) ? INTEGER.format(Math.round(v)) : v.toFixed(1);
  return unit ? `${n} ${unit}` : n;
}

export function lineChartSvg(spec: ChartSpec): string {
  const w = spec.width ?? 600;
  const h = spec.height ?? 160;
  const pw = w - PAD.left - PAD.right;
  const ph = h - PAD.top - PAD.bottom;
  const t0 = spec.now - spec.spanMs;
  const all = spec.lines.flatMap((l) => l.points.filter((p) => p.t >= t0));
  const max = niceMax(Math.max(spec.minMax ?? 0, ...all.map((p) => p.v)));
  const x = (t: number) => PAD.left + ((t - t0) / spec.spanMs) * pw;
  const y = (v: number) => PAD.top + ph - (Math.min(v, max) / max) * ph;
  let grid = '';
  for (const f of [0, 0.5, 1]) {
    const gy = y(max * f).toFixed(1);
    grid += `<line class="grid" x1="${PAD.left}" x2="${w - PAD.right}" y1="${gy}" y2="${gy}"/>`;
    grid += `<text class="axis" x="${PAD.left - 4}" y="${(Number(gy) + 3).toFixed(1)}" text-anchor="end">${escapeHtml(formatValue(max * f, spec.unit))}</text>`;
  }
  for (const [f, label] of [[0, `−${Math.round(spec.spanMs / 60_000)} min`], [0.5, `−${Math.round(spec.spanMs / 120_000)} min`], [1, 'now']] as const) {
    grid += `<text class="axis" x="${(PAD.left + f * pw).toFixed(1)}" y="${h - 5}" text-anchor="${f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}">${label}</text>`;
  }
  let paths = '';
  for (const line of spec.lines) {
    let d = '';
    let last: number | null = null;
    for (const p of line.points) {
      if (p.t < t0) continue;
      d += `${last === null || p.t - last > spec.gapMs ? 'M' : 'L'}${Math.round(x(p.t))} ${Math.round(y(p.v))}`;
      last = p.t;
    }
    if (d) paths += `<path class="${line.cls}" d="${d}"/>`;
  }
  const summary = spec.lines
    .map((l) => {
      const pts = l.points.filter((p) => p.t >= t0);
      if (pts.length === 0) return `${l.label}: no data yet`;
      const peak = Math.max(...pts.map((p) => p.v));
      return `${l.label}: now ${formatValue(pts[pts.length - 1].v, spec.unit)}, peak ${formatValue(peak, spec.unit)}`;
    })
    .join('; ');
  const id = escapeHtml(spec.id);
  return (
    `<svg viewBox="0 0 ${w} ${h}" role="img" aria-labelledby="${id}-t ${id}-d" focusable="false">` +
    `<title id="${id}-t">${escapeHtml(spec.title)}</title><desc id="${id}-d">${escapeHtml(summary)}</desc>` +
    `${grid}${paths}</svg>`
  );
}
