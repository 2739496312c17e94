/**
 * The nunjucks environment of the pages: autoescape on, every template compiled once at
 * start-up (so a request only runs compiled code), and the filters templates use for dates,
 * article bodies and URLs. Built per node (it needs the node's Clock), never a singleton.
 */
import { readdirSync } from 'node:fs';
import nunjucks from 'nunjucks';
import type { Clock } from '../node/clock';
import { timeHtml } from './dates';
import { renderBody } from './text';
import type { TreeRow } from './thread-tree';
import { treeRowsHtml } from './tree-html';
import { peerGraphSvg } from './peer-graph';
import type { PeerInfo } from '../protocol/api';

export interface Views {
  render(template: string, context: Record<string, unknown>): string;
}

export const articleUrl = (id: string) => `/a/${encodeURIComponent(id)}`;
export const groupUrl = (name: string) => `/g/${encodeURIComponent(name)}`;

export function createViews(templatesDir: string, clock: Clock): Views {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir, { noCache: false, watch: false }), {
    autoescape: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  // A filter, not a macro: nunjucks macros cost several times more per call, and lists call this per row.
  env.addFilter('when', (iso: string | null | undefined) => new nunjucks.runtime.SafeString(timeHtml(iso, clock.now())));
  env.addFilter('treeRows', (rows: TreeRow[], currentId?: string) => new nunjucks.runtime.SafeString(treeRowsHtml(rows, currentId, clock.now())));
  env.addFilter('body', (text: string) => new nunjucks.runtime.SafeString(renderBody(text)));
  env.addFilter('aurl', articleUrl);
  env.addFilter('gurl', groupUrl);
  env.addFilter('num', (n: number | undefined) => (n === undefined || n === null ? '–' : n.toLocaleString('en-US')));
  env.addFilter('plural', (n: number, one: string, many?: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : (many ?? `${one}s`)}`);
  env.addFilter('pct', (x: number | undefined) => (x === undefined || x === null ? '–' : `${(x * 100).toFixed(1)} %`));
  env.addFilter('duration', (ms: number | undefined) => {
    if (ms === undefined || ms === null) return '–';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.round(ms / 60_000)} min`;
  });
  env.addFilter('peerGraph', (peers: PeerInfo[], self: string) => new nunjucks.runtime.SafeString(peerGraphSvg(peers, self)));
  env.addFilter('isoDate', (ms: number) => new Date(ms).toISOString());
  env.addFilter('bytes', (n: number | null | undefined) => {
    if (n === undefined || n === null) return '–';
    const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u === 0 ? `${v} bytes` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
  });
  env.addFilter('uptime', (ms: number) => {
    const min = Math.floor(ms / 60_000);
    if (min < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
    if (min < 60) return `${min} min`;
    const h = Math.floor(min / 60);
    if (h < 48) return `${h} h ${min % 60} min`;
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  });
  // Compile every template now: a syntax error fails the start, and requests never compile.
  for (const file of readdirSync(templatesDir)) if (file.endsWith('.njk')) env.getTemplate(file, true);
  return { render: (template, context) => env.render(template, context) };
}
