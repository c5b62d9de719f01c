// The `-c <script>` part of CASA's command line. Real CASA executes any Python script; the emulator can only
// stand in for the pipeline runners, so anything else fails as CASA fails on a script it cannot run: a
// Python traceback on stderr and exit status 1.
const fs = require('node:fs');
const path = require('node:path');

const RUNNER_NAME = /^run.*pipeline\.py$/;

class RunnerError extends Error {}

function traceback(pythonType, message) {
  return [
    'Traceback (most recent call last):',
    '  File "/opt/casa/lib/py/lib/python3.8/site-packages/casashell/__main__.py", line 352, in <module>',
    '    exec(open(casa["flags"].execute[0]).read(), globals())',
    `${pythonType}: ${message}`,
    '',
  ].join('\n');
}

/** Returns the runner's absolute path; throws RunnerError carrying the traceback CASA would print. */
function resolveRunner(script, cwd) {
  const runner = path.resolve(cwd, script);
  if (!fs.existsSync(runner) || !fs.statSync(runner).isFile()) {
    throw new RunnerError(traceback('FileNotFoundError', `[Errno 2] No such file or directory: '${script}'`));
  }
  if (!RUNNER_NAME.test(path.basename(runner))) {
    throw new RunnerError(traceback('NotImplementedError', `the CASA emulator runs only the pipeline runners (run*pipeline.py), not '${script}'`));
  }
  return runner;
}

module.exports = { resolveRunner, RunnerError };
