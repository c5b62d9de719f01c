import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonVenv, tempDir, workspaceRoot } from '@envoys/testing';

interface Checked {
  file: string;
  errors: string[];
  keys?: Record<string, string>;
  hold?: Record<string, boolean>;
}

const HTCONDOR_DIR = join(workspaceRoot, 'deploy/htcondor');
const CHECKER = join(__dirname, 'support/check-submit.py');

/** Each submit file parsed and evaluated by HTCondor's own bindings (the htcondor venv: htcondor==25.14.1). */
function check(files: readonly string[], cwd = HTCONDOR_DIR): Checked[] {
  const python = join(pythonVenv('htcondor'), 'bin', 'python');
  const output = execFileSync(python, [CHECKER, ...files], { cwd, encoding: 'utf8' });
  return output.trim().split('\n').map((line) => JSON.parse(line) as Checked);
}

// The daemons cannot be installed here, but HTCondor's Python bindings can: they parse our submit
// descriptions as condor_submit does and evaluate their ClassAd expressions.
describe('deploy/htcondor submit descriptions, read by the real HTCondor bindings (htcondor2.Submit)', () => {
  const files = readdirSync(HTCONDOR_DIR).filter((name) => name.endsWith('.sub')).sort();

  it('there is one per envoy', () => {
    expect(files).toEqual(['carta-envoy.sub', 'casa-envoy.sub', 'ingest-envoy.sub']);
  });

  it.each(files)('%s parses; the job runs the wrapper of the installation and transfers its envoy', (file) => {
    const [checked] = check([file]);
    expect(checked?.errors).toEqual([]);
    const keys = checked?.keys ?? {};
    const envoy = file.replace(/\.sub$/, '');
    expect(keys['universe']).toBe('vanilla');
    expect(keys['executable']).toBe('/opt/envoys/deploy/htcondor/envoy-job.sh');
    expect(keys['arguments']).toMatch(/^"main\.js /);
    expect(keys['transfer_input_files']?.split(/,\s*/)).toContain(`/opt/envoys/${envoy}/main.js`);
    expect(keys['kill_sig']).toBe('SIGTERM');
    expect(keys['when_to_transfer_output']).toBe('ON_EXIT_OR_EVICT');
  });

  it('the hold policy, evaluated by classad2: usage errors always held; casa and ingest also on 69, 73 and a kill; never a success, a bad input, a signal stop or 75', () => {
    const checked = check(files);
    const hold = Object.fromEntries(checked.map((c) => [c.file, c.hold]));
    const casaLike = { '0': false, '2': true, '65': false, '66': false, '69': true, '70': false, '73': true, '75': false, '124': false, '143': false, SIGKILL: true };
    expect(hold['casa-envoy.sub']).toEqual(casaLike);
    expect(hold['ingest-envoy.sub']).toEqual(casaLike);
    expect(hold['carta-envoy.sub']).toMatchObject({ '0': false, '2': true, '69': false, '75': false });
  });

  it('a broken ClassAd expression is caught by the bindings (the check can fail)', () => {
    const dir = tempDir('submit-');
    const broken = readFileSync(join(HTCONDOR_DIR, 'casa-envoy.sub'), 'utf8').replace(/^on_exit_hold\s*=.*$/m, 'on_exit_hold = (ExitCode =?= ');
    writeFileSync(join(dir, 'broken.sub'), broken);
    const [checked] = check(['broken.sub'], dir);
    expect(checked?.errors.join('\n')).toMatch(/ClassAd/);
  });
});
