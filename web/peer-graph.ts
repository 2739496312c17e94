/**
 * The peers page's picture: this node in the middle and its peers on a circle around it, as
 * server-rendered SVG. Each link is coloured (and dashed, so colour is not the only cue) by
 * its health: up, slow (a backlog older than SLOW_LAG_MS), down or pending. At most
 * GRAPH_PEERS peers are drawn; the table below the graph lists them all.
 */
import type { PeerInfo } from '../protocol/api';
import { escapeHtml } from './text';

export const GRAPH_PEERS = 24;
export const SLOW_LAG_MS = 60_000;

export type LinkHealth = 'up' | 'slow' | 'down' | 'pending';

export function linkHealth(p: Pick<PeerInfo, 'state' | 'lagMs'>): LinkHealth {
  if (p.state === 'pending') return 'pending';
  if (p.state === 'down') return 'down';
  return (p.lagMs ?? 0) > SLOW_LAG_MS ? 'slow' : 'up';
}

const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function peerGraphSvg(peers: PeerInfo[], self: string): string {
  const shown = peers.slice(0, GRAPH_PEERS);
  const w = shown.length > 8 ? 560 : 420;
  const h = shown.length > 8 ? 440 : 280;
  const cx = w / 2;
  const cy = h / 2;
  const r = Math.min(cx - 90, cy - 40);
  let links = '';
  let nodes = '';
  shown.forEach((p, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, shown.length);
    const px = cx + r * Math.cos(a);
    const py = cy + r * Math.sin(a);
    const health = linkHealth(p);
    links += `<line class="link ${health}" x1="${cx}" y1="${cy}" x2="${px.toFixed(1)}" y2="${py.toFixed(1)}"><title>${escapeHtml(`${p.name}: ${health}, backlog ${p.backlog}`)}</title></line>`;
    const anchor = Math.abs(px - cx) < 10 ? 'middle' : px > cx ? 'start' : 'end';
    const lx = anchor === 'middle' ? px : px + (px > cx ? 14 : -14);
    const ly = anchor === 'middle' ? py + (py > cy ? 26 : -16) : py + 4;
    nodes += `<g class="node"><circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="9"/><text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="${anchor}">${escapeHtml(short(p.name, 22))}</text></g>`;
  });
  nodes += `<g class="node self"><circle cx="${cx}" cy="${cy}" r="16"/><text x="${cx + 24}" y="${cy + 5}" text-anchor="start">${escapeHtml(short(self, 26))}</text></g>`;
  const counts = (['up', 'slow', 'down', 'pending'] as const).map((k) => [k, shown.filter((p) => linkHealth(p) === k).length] as const).filter(([, n]) => n > 0);
  const desc = shown.length === 0 ? 'No peers yet.' : `${peers.length} peers: ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}.`;
  return (
    `<svg viewBox="0 0 ${w} ${h}" role="img" aria-labelledby="pg-t pg-d" focusable="false">` +
    `<title id="pg-t">This node (${escapeHtml(self)}) and its peers</title><desc id="pg-d">${escapeHtml(desc)}</desc>${links}${nodes}</svg>`
  );
}
