/**
 * The layering rules the imports must keep (issue 10, "the parts see only what they need"):
 * web/ sees the node through the service, the feature-service interfaces and the view types,
 * never store, ingest or gossip internals; only node/config.ts and the CLI read the
 * environment; mirror reaches other nodes through the shared transport, not through gossip.
 */
import { importsOf, sources, text } from '../helpers/architecture';

describe('layering', () => {
  it('web/ imports no store, ingest, gossip or mirror internals', () => {
    const bad = sources('web').flatMap((f) =>
      importsOf(f)
        .filter((p) => /^node\/(store|ingest|gossip|mirror|feed)\//.test(p))
        .map((p) => `${f} -> ${p}`),
    );
    expect(bad).toEqual([]);
  });

  it('reads the environment only in node/config.ts and the CLI', () => {
    const readers = [...sources('node'), ...sources('web')].filter((f) => !f.startsWith('node/cli/') && f !== 'node/config.ts' && /process\.env\b/.test(text(f)));
    expect(readers).toEqual([]);
  });

  it('mirror/ calls other nodes through the shared transport, not through gossip/', () => {
    const bad = sources('node/mirror').flatMap((f) => importsOf(f).filter((p) => p.startsWith('node/gossip/')).map((p) => `${f} -> ${p}`));
    expect(bad).toEqual([]);
  });
});
