// Writes each project's test results as JUnit XML to reports/junit/<project>.xml, the format GitLab reads
// (`artifacts: reports: junit`) to show failed tests in a merge request. Nx keeps the file with the test result
// in its cache, so a cached test task still reports.
const fs = require('node:fs');
const path = require('node:path');

const escape = (text) =>
  String(text)
    // XML 1.0 cannot carry most control characters (jest's coloured failure messages have ESC): removed.
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const seconds = (ms) => ((ms ?? 0) / 1000).toFixed(3);

class JunitReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const project = process.env.NX_TASK_TARGET_PROJECT || path.basename(this.rootDir);
    const workspace = path.resolve(__dirname, '../..');
    const suites = results.testResults.map((file) => {
      const name = path.relative(workspace, file.testFilePath);
      const cases = file.testResults.map((test) => {
        const classname = [project, ...test.ancestorTitles].join(' › ');
        const body =
          test.status === 'failed'
            ? `<failure message="${escape((test.failureMessages[0] ?? '').split('\n')[0])}">${escape(test.failureMessages.join('\n'))}</failure>`
            : test.status === 'pending' || test.status === 'todo' || test.status === 'skipped'
              ? '<skipped/>'
              : '';
        return `    <testcase classname="${escape(classname)}" name="${escape(test.title)}" file="${escape(name)}" time="${seconds(test.duration)}">${body}</testcase>`;
      });
      // A file that failed to run at all (syntax error, failing hook) has no test results: report it as one error.
      if (file.testExecError || (file.failureMessage && file.testResults.length === 0)) {
        cases.push(`    <testcase classname="${escape(project)}" name="${escape(name)}" file="${escape(name)}" time="0"><error message="test file failed to run">${escape(file.failureMessage ?? file.testExecError?.message ?? '')}</error></testcase>`);
      }
      const failures = file.numFailingTests;
      const errors = file.testExecError || (file.failureMessage && file.testResults.length === 0) ? 1 : 0;
      const skipped = file.numPendingTests + (file.numTodoTests ?? 0);
      const time = seconds((file.perfStats?.end ?? 0) - (file.perfStats?.start ?? 0));
      return `  <testsuite name="${escape(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}">\n${cases.join('\n')}\n  </testsuite>`;
    });
    const total = (key) => suites.reduce((sum, suite) => sum + Number(suite.match(new RegExp(` ${key}="(\\d+)"`))?.[1] ?? 0), 0);
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<testsuites name="${escape(project)}" tests="${total('tests')}" failures="${total('failures')}" errors="${total('errors')}" skipped="${total('skipped')}">\n` +
      `${suites.join('\n')}\n</testsuites>\n`;
    const dir = path.join(workspace, 'reports/junit');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${project}.xml`);
    fs.writeFileSync(`${file}.tmp`, xml);
    fs.renameSync(`${file}.tmp`, file);
  }
}

module.exports = JunitReporter;
