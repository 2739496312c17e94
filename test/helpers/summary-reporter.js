/**
 * Jest reporter that writes one plain line, `tests: N passed, N failed, N skipped`, to
 * test-output/test-summary.txt; .ci/run prints it last, for CI tooling that does not read
 * jest's own summary.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.dir = join(globalConfig.rootDir, 'test-output');
  }

  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped } = results;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'test-summary.txt'), `tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
