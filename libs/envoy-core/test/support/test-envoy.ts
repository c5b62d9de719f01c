// A minimal envoy built on envoy-core, bundled by the tests and run as a real process, so that command line,
// settings, supervision, signals and the report are tested the way users meet them.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { durationMs, InvalidInputError, openAtomicFile, runEnvoy, step, type EnvoyDefinition } from '../../src';

const definition: EnvoyDefinition = {
  cli: {
    envoy: 'test-envoy',
    version: '4.5.6',
    summary: 'Runs a node script under envoy-core supervision (test fixture).',
    processingDir: true,
    modes: [
      { name: 'run', flag: '--run', short: '-r', args: ['SCRIPT'], description: 'run SCRIPT with node', variants: [{ flag: '--loud', name: 'loud', description: 'run loudly' }] },
      { name: 'check', flag: '--audit-only', args: ['DIR'], description: 'only a setup step, no launch' },
    ],
    options: [
      { flag: '--arg', value: 'ARG', description: 'an argument for the script' },
      { flag: '--fail-audit', description: 'make the audit step fail' },
      { flag: '--crash-audit', description: 'make the audit step throw a plain Error, as a bug in an envoy would' },
      { flag: '--slow-setup', description: 'a setup step that takes 5 s and watches the abort signal' },
      { flag: '--deaf-setup', description: 'a setup step that writes a file for 10 s and ignores the abort signal' },
    ],
  },
  settings: [
    { key: 'envoys.test.timeoutMinutes', env: 'TEST_TIMEOUT_MINUTES', type: 'number', min: 0, description: 'time limit' },
    { key: 'envoys.test.password', env: 'TEST_PASSWORD', type: 'string', secret: true, description: 'a secret' },
    { key: 'envoys.test.retries', env: 'TEST_RETRIES', type: 'integer', default: 3, description: 'a number' },
  ],
  workDir: (commandLine) => commandLine.processingDir ?? '.',
  launchers: {
    run: launcher,
    loud: launcher,
    check: (context) => ({ steps: [step('audit', async () => `checked ${context.commandLine.args['DIR']}`)] }),
  },
};

function launcher(context: Parameters<EnvoyDefinition['launchers'][string]>[0]) {
  const options = context.commandLine.options;
  const script = resolve(context.commandLine.args['SCRIPT'] ?? '');
  return {
    steps: [
      step('audit', async () => {
        if (options['--crash-audit']) throw new TypeError("Cannot read properties of undefined (reading 'x')");
        if (options['--fail-audit']) throw new InvalidInputError(`${script}: field "x" is missing`, ['second problem']);
        return `script ${script}`;
      }),
      step('prepare', async () => {
        if (options['--slow-setup']) {
          await new Promise<void>((done) => {
            const timer = setTimeout(done, 5000);
            context.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              done();
            });
          });
        }
        if (options['--deaf-setup'] && !context.dryRun) {
          // Writes slowly through an atomic file and never looks at the abort signal.
          const file = await openAtomicFile(join(context.workDir, 'deaf.dat'));
          process.stdout.write(`deaf step writing ${file.temporary}\n`);
          for (let i = 0; i < 100; i++) {
            file.stream.write('x'.repeat(1024));
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          await file.commit();
        }
        if (context.dryRun) return 'would write prepared.txt';
        writeFileSync(join(context.workDir, 'prepared.txt'), 'prepared\n');
        context.recordDetail('prepared', true);
        return 'wrote prepared.txt';
      }),
    ],
    launchPlan: () => ({
      argv: [process.execPath, script, ...(typeof options['--arg'] === 'string' ? [options['--arg']] : [])],
      cwd: context.workDir,
      env: { ENVOY_SET: 'set-by-envoy', TEST_SECRET_ECHO: context.settings.optionalString('envoys.test.password') ?? '' },
      unsetEnv: ['REMOVE_ME'],
      timeoutMs: durationMs(context.settings, 'envoys.test.timeoutMinutes', 'minutes'),
    }),
  };
}

void runEnvoy(definition).then((code) => process.exit(code));
