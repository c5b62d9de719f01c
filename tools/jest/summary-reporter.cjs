// Records each project's test counts in .nx/test-results/<project>.json so that `npm test` can print one
// summary line for the whole workspace (and Nx can restore the file from its cache with the test result).
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const project = process.env.NX_TASK_TARGET_PROJECT || path.basename(this.rootDir);
    const dir = path.resolve(__dirname, '../../.nx/test-results');
    fs.mkdirSync(dir, { recursive: true });
    const summary = {
      project,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    const file = path.join(dir, `${project}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(summary) + '\n');
    fs.renameSync(`${file}.tmp`, file);
  }
}

module.exports = SummaryReporter;
