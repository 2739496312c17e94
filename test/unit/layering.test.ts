/**
 * The layering rules the imports must keep (issue 10, "the parts see only what they need"):
 * web/ sees the node through the service, the feature-service interfaces and the view types,
 * never store, ingest or gossip internals; only node/config.ts and the CLI read the
 * environment; mirror reaches other nodes through the shared transport, not through gossip.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const importsOf = (file: string): string[] => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^import [^;]*? from '([^']+)';/gms)].map((m) => m[1]);
const resolved = (file: string, spec: string): string => relative(ROOT, join(ROOT, file, '..', spec));

describe('layering', () => {
  it('web/ imports no store, ingest, gossip or mirror internals', () => {
    const bad = sources('web').flatMap((f) =>
      importsOf(f)
        .map((s) => resolved(f, s))
        .filter((p) => /^node\/(store|ingest|gossip|mirror|feed)\//.test(p))
        .map((p) => `${f} -> ${p}`),
    );
    expect(bad).toEqual([]);
  });

  it('reads the environment only in node/config.ts and the CLI', () => {
    const readers = [...sources('node'), ...sources('web')].filter((f) => !f.startsWith('node/cli/') && f !== 'node/config.ts' && /process\.env\b/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(readers).toEqual([]);
  });

  it('mirror/ calls other nodes through the shared transport, not through gossip/', () => {
    const bad = sources('node/mirror').flatMap((f) => importsOf(f).filter((s) => resolved(f, s).startsWith('node/gossip/')).map((s) => `${f} -> ${s}`));
    expect(bad).toEqual([]);
  });
});
