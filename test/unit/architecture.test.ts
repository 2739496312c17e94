/**
 * The structure drawn from the imports (test/helpers/architecture.ts): every store record has
 * one writing module, and docs/architecture.md shows the derived tables as they are now
 * (`npm run architecture` prints them to paste).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEGIN, END, ROOT, recordWriters, renderArchitecture, writesOf } from '../helpers/architecture';

describe('architecture', () => {
  it('finds the writers it is meant to find', () => {
    expect([...writesOf('node/feed/feed-queues.ts')]).toContain('queues');
    expect([...writesOf('node/gossip/peer-table.ts')]).toContain('peers');
    expect([...writesOf('node/ingest/batch-builder.ts')]).toEqual(expect.arrayContaining(['articles', 'history', 'meta:counters']));
  });

  it('has one writing module for every record', () => {
    const shared = [...recordWriters()].filter(([, owners]) => owners.length !== 1).map(([rec, owners]) => `${rec}: ${owners.join(', ')}`);
    expect(shared).toEqual([]);
  });

  it('docs/architecture.md shows the structure as derived now', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const at = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(doc.slice(at, end + END.length)).toBe(renderArchitecture());
  });
});
