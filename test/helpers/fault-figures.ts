/**
 * Figures of the fault suites for the closing note of issue 11: each fault proxy, crash loop
 * and soak appends what it injected (by kind), survived and lost as one JSON line to
 * test-output/faults/figures.jsonl, tagged with the test that ran it. Best effort: a figure
 * that cannot be written never fails a test.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', '..', 'test-output', 'faults');

export function recordFaults(figures: Record<string, number | string>): void {
  try {
    const state = (globalThis as { expect?: { getState(): { currentTestName?: string; testPath?: string } } }).expect?.getState();
    const test = state?.currentTestName ?? state?.testPath ?? 'unknown';
    mkdirSync(DIR, { recursive: true });
    appendFileSync(join(DIR, 'figures.jsonl'), `${JSON.stringify({ test, ...figures })}\n`);
  } catch {
    // Figures are for the report; a test's verdict does not depend on them.
  }
}
