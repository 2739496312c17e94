/**
 * The structure of the code drawn from the sources themselves (issue 10, "done means"): which
 * module writes each store record (sublevel, and key for the shared `meta` sublevel), and which
 * module imports which. test/unit/architecture.test.ts checks one writer per record and that
 * docs/architecture.md shows what this derives; `npm run architecture` prints it.
 * A module is a folder of node/ (node/gossip, node/feed, ...), protocol, web, or `node` for
 * the wiring files at node/'s top; node/store counts as the writer only of what no other
 * module writes (its helpers build keys for the ingest, which owns the commit).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// From test/helpers (jest) the root is ../..; from dist/test/helpers (npm run architecture) it is ../../..
const UP = join(__dirname, '..', '..');
export const ROOT = statSync(join(UP, 'package.json'), { throwIfNoEntry: false }) ? UP : join(UP, '..');

export function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .sort()
    .flatMap((f) => {
      const path = join(dir, f);
      if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
      return path.endsWith('.ts') ? [path] : [];
    });
}

/** The module a source file belongs to. */
export function moduleOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'node') return parts[0];
  return parts.length > 2 ? `node/${parts[1]}` : 'node';
}

/** A source file's text (`file` relative to the root). */
export const text = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** What a file imports from other files of the tree, as paths from the root (packages left out). */
export function importsOf(file: string): string[] {
  return [...text(file).matchAll(/^import [^;]*? from '(\.[^']+)';/gms)].map((m) => relative(ROOT, join(ROOT, file, '..', m[1])));
}

/** Sublevels (and `meta:KEY`) each file writes: put/del/batch/clear on it, or batch ops naming it. */
export function writesOf(file: string): Set<string> {
  const src = text(file);
  const out = new Set<string>();
  const add = (sub: string, key?: string) => out.add(sub === 'meta' && key ? `meta:${key}` : sub);
  for (const m of src.matchAll(/subs\.(\w+)\.(?:put|del|batch|clear)\(\s*(?:'([\w-]+)'|(\w+))?/g)) add(m[1], m[2] ?? m[3]);
  for (const m of src.matchAll(/sublevel:\s*[\w.]*subs\.(\w+)\s*,\s*key:\s*(?:'([\w-]+)'|(\w+))?/g)) add(m[1], m[2] ?? m[3]);
  for (const m of src.matchAll(/\b(?:op|put|del|rootPut)\([\w.]*subs\.(\w+)\s*,\s*(?:'([\w-]+)'|(\w+))?/g)) add(m[1], m[2] ?? m[3]);
  // A sublevel held in a local first (`const sub = store.subs.x` ... `sublevel: sub`).
  for (const m of src.matchAll(/(?:const|let)\s+(\w+)\s*=\s*[\w.]*subs\.(\w+)\b/g)) if (new RegExp(`sublevel:\\s*${m[1]}\\b`).test(src)) add(m[2]);
  return out;
}

/** Record -> the modules whose files write it (node/store dropped where another module writes it too). */
export function recordWriters(): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  for (const f of [...sources('node'), ...sources('web')]) {
    if (f === 'node/store/check.ts') continue; // the offline check reads only
    for (const rec of writesOf(f)) {
      if (!by.has(rec)) by.set(rec, new Set());
      by.get(rec)!.add(moduleOf(f));
    }
  }
  const out = new Map<string, string[]>();
  for (const [rec, mods] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
    const owners = mods.size > 1 ? [...mods].filter((m) => m !== 'node/store') : [...mods];
    out.set(rec, owners.sort());
  }
  return out;
}

/** Module -> the modules it imports (values, not types alone, and types: both shape the layering). */
export function importGraph(): Map<string, Map<string, number>> {
  const graph = new Map<string, Map<string, number>>();
  for (const f of [...sources('protocol'), ...sources('node'), ...sources('web')]) {
    const from = moduleOf(f);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const path of importsOf(f)) {
      const to = moduleOf(path);
      if (to === from) continue;
      const edges = graph.get(from)!;
      edges.set(to, (edges.get(to) ?? 0) + 1);
    }
  }
  return new Map([...graph].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Groups of modules that import each other (directly or round about), leaving out `node`: its
 * top files are both the shared base (clock, errors, config) and the wiring, so every part
 * meets it both ways by design.
 */
export function cycles(graph = importGraph()): string[][] {
  const mods = [...graph.keys()].filter((m) => m !== 'node');
  const reaches = (from: string): Set<string> => {
    const seen = new Set<string>();
    const todo = [from];
    while (todo.length) for (const next of graph.get(todo.pop()!)?.keys() ?? []) if (next !== 'node' && !seen.has(next)) todo.push(next), seen.add(next);
    return seen;
  };
  const reach = new Map(mods.map((m) => [m, reaches(m)]));
  const groups = new Map<string, string[]>();
  for (const m of mods) {
    const group = mods.filter((o) => o === m || (reach.get(m)!.has(o) && reach.get(o)!.has(m)));
    if (group.length > 1) groups.set(group.join(), group);
  }
  return [...groups.values()];
}

export const BEGIN = '<!-- architecture:begin (npm run architecture; checked by test/unit/architecture.test.ts) -->';
export const END = '<!-- architecture:end -->';

/** The derived part of docs/architecture.md. */
export function renderArchitecture(): string {
  const lines = [BEGIN, '', '### Record owners (who writes each sublevel, and each key of `meta`)', '', '| record | written by |', '| --- | --- |'];
  for (const [rec, owners] of recordWriters()) lines.push(`| \`${rec}\` | ${owners.map((o) => `\`${o}\``).join(', ')} |`);
  // Edges only, not counts: the page changes when a module starts or stops using another.
  lines.push('', '### Imports between modules', '', '| module | imports |', '| --- | --- |');
  for (const [from, edges] of importGraph()) {
    const list = [...edges.keys()].sort();
    lines.push(`| \`${from}\` | ${list.join(', ') || '-'} |`);
  }
  const loops = cycles();
  lines.push('', loops.length ? `Modules that import each other (besides \`node\`'s base files): ${loops.map((c) => c.map((m) => `\`${m}\``).join(' <-> ')).join('; ')}.` : 'Apart from `node` (the base files every part uses and the wiring that uses every part), no module imports itself back through others.', '', END);
  return lines.join('\n');
}

if (require.main === module) process.stdout.write(`${renderArchitecture()}\n`);
