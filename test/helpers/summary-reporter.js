/**
 * Jest reporter that ends every run with one plain line, `tests: N passed, N failed, N skipped`,
 * which CI tooling that does not know jest's own summary can read.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped } = results;
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
