/**
 * Sums the self time of V8 .cpuprofile files (from `node --cpu-prof`) by category: HTTP client,
 * HTTP server, stream (ws), JSON, validation, LevelDB, queue bookkeeping, gossip logic, ...
 * A frame without a script URL (a builtin or a native binding) counts for its nearest caller
 * that has one, except JSON.parse/stringify, which are JSON wherever they are called from.
 * Usage: `node dist/test/bench/profile-summary.js FILE.cpuprofile... [--per N]` (N: delivered
 * articles, to print microseconds per article). Prints one JSON object.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First match wins: [category, test on the script URL]. */
const BY_URL: [string, RegExp][] = [
  ['JSON', /secure-json-parse|fast-json-stringify|json-depth|json-body|body-cache/],
  ['HTTP client', /node_modules\/undici\//],
  ['stream (ws)', /node_modules\/(ws|@fastify\/websocket)\//],
  ['HTTP server', /node_modules\/(fastify|find-my-way|light-my-request|avvio|@fastify\/(?!websocket)|proxy-addr|fastify-plugin)|_http_(server|incoming|outgoing|common)|dist\/node\/http\//],
  ['validation', /node_modules\/(zod|fastify-type-provider-zod)\/|dist\/protocol\//],
  ['LevelDB', /node_modules\/(classic-level|abstract-level|level|level-transcoder|module-error|maybe-combine-errors|level-supports)\/|dist\/node\/store\//],
  ['queue bookkeeping', /dist\/node\/(feed|ingest)\//],
  ['gossip logic', /dist\/node\/(gossip|net)\//],
  ['mirror/archive', /dist\/node\/(mirror|archive)\//],
  ['caches (lru-cache)', /node_modules\/lru-cache\//],
  ['abort signals, timers', /abort_controller|domexception|event_target|dist\/node\/clock/],
  ['logging', /node_modules\/(pino|sonic-boom|thread-stream)/],
  ['bench driver', /dist\/test\//],
  ['other newsmesh', /dist\/node\//],
  ['node streams/net/buffers', /^node:/],
];

function categoryOf(url: string): string | null {
  if (!url) return null;
  for (const [name, re] of BY_URL) if (re.test(url)) return name;
  return 'other';
}

export function summarise(files: string[]): { busyMs: number; idleMs: number; shares: Record<string, number>; ms: Record<string, number> } {
  const ms: Record<string, number> = {};
  let idle = 0;
  for (const file of files) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const cat = new Map<number, string>();
    const resolve = (id: number): string => {
      const known = cat.get(id);
      if (known) return known;
      const n = byId.get(id)!;
      const { functionName: fn, url } = n.callFrame;
      let c: string;
      if (fn === '(garbage collector)') c = 'GC';
      else if (fn === '(idle)') c = '(idle)';
      else if (fn === '(program)' || fn === '(root)') c = 'V8/native (unattributed)';
      else if (!url && /^(parse|stringify|JSONParse|JSONStringify)$/.test(fn)) c = 'JSON';
      else c = categoryOf(url) ?? (parent.has(id) ? resolve(parent.get(id)!) : 'V8/native (unattributed)');
      cat.set(id, c);
      return c;
    };
    p.samples.forEach((id, i) => {
      const dt = (p.timeDeltas[i] ?? 0) / 1000;
      const c = resolve(id);
      if (c === '(idle)') idle += dt;
      else ms[c] = (ms[c] ?? 0) + dt;
    });
  }
  const busy = Object.values(ms).reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries(Object.entries(ms).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +((100 * v) / busy).toFixed(1)]));
  return { busyMs: Math.round(busy), idleMs: Math.round(idle), shares, ms: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)])) };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const perAt = args.indexOf('--per');
  const per = perAt >= 0 ? Number(args[perAt + 1]) : 0;
  const files = args.filter((a, i) => a.endsWith('.cpuprofile') && (perAt < 0 || i !== perAt + 1));
  const s = summarise(files);
  const perArticleUs = per > 0 ? Object.fromEntries(Object.entries(s.ms).map(([k, v]) => [k, +((1000 * v) / per).toFixed(1)])) : undefined;
  process.stdout.write(`${JSON.stringify({ files: files.length, ...s, ...(perArticleUs ? { perArticleUs, busyUsPerArticle: +((1000 * s.busyMs) / per).toFixed(1) } : {}) }, null, 2)}\n`);
}
