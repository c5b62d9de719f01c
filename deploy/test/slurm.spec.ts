import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { alive, tempDir, treeFingerprint, waitFor, workspaceRoot } from '@envoys/testing';
import { expectedCorrectedPpr, makeCasaHome, makeInstall, makeProcessingDir, readReport, SDM, STALE_RELATIVE_PATH } from './support/install';
import { describeProcesses, leftoversAfter } from './support/leftovers';
import { cancelQuietly, jobEnd, jobEnvironment, jobInfo, nodeStates, sbatch, slurmInstalled } from './support/slurm';

// The real end-to-end test on Slurm (issue 6): the sbatch scripts of deploy/slurm run casa-envoy (and
// ingest-envoy) as batch jobs on the one-node cluster that tools/scripts/slurm-cluster.sh starts. Needs
// root (the cluster's daemons and jobs run as root) and a running cluster; `.ci/run` provides both.

const installed = slurmInstalled();
if (!installed) {
  const missing = 'deploy:test-slurm: Slurm is not installed here (no sinfo on PATH)';
  const how = 'install slurm-wlm and munge and run tools/scripts/slurm-cluster.sh start (as root), as .ci/run does';
  // CI sets ENVOYS_REQUIRE_SLURM=1: there a missing Slurm is a failure, never a silent skip.
  if (process.env['ENVOYS_REQUIRE_SLURM'] === '1') throw new Error(`${missing}, and ENVOYS_REQUIRE_SLURM=1: ${how}.`);
  console.warn(`${missing}: the Slurm end-to-end tests are SKIPPED. To run them: ${how}.`);
}
const describeSlurm = installed ? describe : describe.skip;

// Slurm's KillWait (tools/scripts/slurm-cluster.sh writes the default, 30 s) is the time between its SIGTERM
// and its SIGKILL; every grace period below is far shorter, so whatever stops CASA is the envoy.
const KILL_WAIT_SECONDS = 30;
// The sbatch scripts ask for what a real calibration needs; this node may have 1 CPU and little memory.
const RESOURCES = ['--cpus-per-task=1', '--mem=512M'];

const timings: string[] = [];
function timed(name: string, since: number): void {
  timings.push(`${name}: ${((Date.now() - since) / 1000).toFixed(1)} s`);
}

function recordedPids(record: string): number[] {
  if (!existsSync(record)) return [];
  try {
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; childPid?: number };
    return seen.childPid ? [seen.pid, seen.childPid] : [];
  } catch {
    return []; // replaced atomically, but read at the wrong moment it may not exist yet
  }
}

describeSlurm('envoys as Slurm jobs on a real one-node cluster', () => {
  let home: string;
  let casaHome: string;
  let work: string;
  const submitted: string[] = [];

  beforeAll(() => {
    const states = nodeStates();
    if (!states.some((state) => /^(idle|mix)/.test(state))) {
      throw new Error(`no node takes jobs (sinfo: ${states.join(', ') || 'no nodes'}): start the cluster with tools/scripts/slurm-cluster.sh start (as root)`);
    }
    home = makeInstall();
    casaHome = makeCasaHome();
    work = tempDir('envoys-slurm-');
  });

  afterAll(() => {
    // A test that failed half-way must not leave its job running on the node.
    for (const jobId of submitted) cancelQuietly(jobId);
    if (timings.length > 0) console.log(`Slurm job timings (submit to end):\n  ${timings.join('\n  ')}`);
    for (const dir of [work, home, casaHome]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A casa-envoy job's directories: the workflow's processing (submit) directory, results and scratch roots. */
  function casaJob(name: string, metadata?: Record<string, unknown>) {
    const base = join(work, name);
    mkdirSync(base);
    const submitDir = makeProcessingDir(base, STALE_RELATIVE_PATH, { metadata });
    const resultsDir = join(base, 'results');
    const scratchRoot = join(base, 'scratch');
    mkdirSync(scratchRoot);
    const env = (extra: Record<string, string> = {}) =>
      jobEnvironment({ ENVOYS_HOME: home, ENVOY_RESULTS_DIR: resultsDir, ENVOY_SCRATCH_ROOT: scratchRoot, CASA_HOME: casaHome, ...extra });
    const output = (jobId: string) => readFileSync(join(base, `job-${jobId}.out`), 'utf8');
    const options = [...RESOURCES, `--output=${join(base, 'job-%j.out')}`];
    return { base, submitDir, resultsDir, scratchRoot, env, output, options, script: join(home, 'deploy/slurm/casa-envoy.sbatch') };
  }

  it('standard calibration: main.js and the inputs are staged into a fresh scratch directory, CASA runs there, the results come back', async () => {
    const job = casaJob('calibration');
    const inputsBefore = treeFingerprint(job.submitDir);
    const began = Date.now();
    const submission = await sbatch(job.script, [], { cwd: job.submitDir, env: job.env(), options: job.options, wait: true });
    submitted.push(submission.jobId);
    const sbatchExit = await submission.sbatchExit;
    timed('standard calibration (sbatch --wait)', began);
    const output = job.output(submission.jobId);

    // Exit status: sbatch --wait returns the job's, scontrol records it.
    expect({ sbatchExit, output }).toMatchObject({ sbatchExit: 0 });
    const info = jobInfo(submission.jobId);
    expect(info).toMatchObject({ state: 'COMPLETED', exitStatus: 0, exitSignal: 0 });

    // Staged in: exactly the envoy file and the processing directory's inputs, in a directory of the job's own.
    const stagedIn = /staged in to (\S+): (.*)$/m.exec(output);
    if (!stagedIn) throw new Error(`no stage-in line in the job output:\n${output}`);
    const scratch = stagedIn[1] as string;
    expect((stagedIn[2] as string).trim().split(' ').sort()).toEqual(['PPR.xml', 'main.js', 'metadata.json', 'rawdata']);
    expect(dirname(scratch)).toBe(job.scratchRoot);
    expect(basename(scratch)).toMatch(new RegExp(`^envoy-${submission.jobId}\\.`));
    expect(basename(scratch)).not.toBe(STALE_RELATIVE_PATH);
    expect(existsSync(scratch)).toBe(false); // removed once its results were staged out

    // The PPR CASA got: RootDirectory/RelativePath point at the scratch directory, every other byte as it was.
    const original = readFileSync(join(job.submitDir, 'PPR.xml'), 'utf8');
    expect(readFileSync(join(job.resultsDir, 'working/PPR.xml'), 'utf8')).toBe(
      expectedCorrectedPpr(original, realpathSync(job.scratchRoot), basename(scratch)),
    );

    // The report, the products, CASA's logs and output came back.
    const report = readReport(join(job.resultsDir, 'casa-envoy-report.json'));
    expect(report).toMatchObject({ envoy: 'casa-envoy', mode: 'standard-cal', status: 'succeeded', exitCode: 0, findings: [] });
    expect(report.launch?.cwd).toBe(join(realpathSync(job.scratchRoot), basename(scratch), 'working'));
    expect(report.launch?.env['SCIPIPE_ROOTDIR']).toBe(realpathSync(job.scratchRoot));
    expect(report.launch?.argv[0]).toBe(join(casaHome, 'bin/casa'));
    expect(readdirSync(join(job.resultsDir, 'products')).sort()).toEqual(
      expect.arrayContaining(['unknown.session_1.caltables.tgz', 'weblog.tgz', 'casa_pipescript.py', 'casa_commands.log', `${SDM}.ms.flagversions.tgz`]),
    );
    const working = readdirSync(join(job.resultsDir, 'working'));
    expect(working.some((name) => /^casa-\d{8}-\d{6}\.log$/.test(name))).toBe(true);
    expect(working.some((name) => /^pipeline-\d{8}T\d{6}$/.test(name))).toBe(true);
    expect(working.some((name) => name.startsWith('errorexit-'))).toBe(false);
    expect(statSync(join(job.resultsDir, 'casa-envoy.standard-cal.out.log')).size).toBeGreaterThan(0);
    expect(readdirSync(job.resultsDir).sort()).toEqual(['casa-envoy-report.html', 'casa-envoy-report.json', 'casa-envoy-status.json', 'casa-envoy.standard-cal.out.log', 'products', 'working']);

    // The workflow's directory is an input: untouched.
    expect(treeFingerprint(job.submitDir)).toEqual(inputsBefore);
  });

  it('ingest-envoy.sbatch ingests the calibration that came back, reading it in place', async () => {
    const cal = join(work, 'calibration/results');
    expect(existsSync(join(cal, 'casa-envoy-report.json'))).toBe(true); // from the test above
    // With the default ENVOY_RESULTS_DIR the results land in the processing directory itself, beside
    // metadata.json; the test above kept them apart to check them, so the metadata is put beside them here.
    cpSync(join(work, 'calibration', STALE_RELATIVE_PATH, 'metadata.json'), join(cal, 'metadata.json'));
    const stagingRoot = join(work, 'staging');
    mkdirSync(stagingRoot);
    const ledger = join(work, 'archive-ledger.jsonl');
    const began = Date.now();
    const submission = await sbatch(join(home, 'deploy/slurm/ingest-envoy.sbatch'), ['--calibration', cal], {
      cwd: work,
      env: jobEnvironment({
        ENVOYS_HOME: home,
        ENVOY_SCRATCH_ROOT: join(work, 'calibration/scratch'),
        ENVOY_INGEST_STAGING_ROOT: stagingRoot,
        ENVOY_INGEST_COMMAND: join(workspaceRoot, 'tools/emulators/ingest/bin/ingest'),
        INGEST_EMULATOR_LEDGER: ledger,
      }),
      options: [...RESOURCES, `--output=${join(work, 'ingest-%j.out')}`],
    });
    submitted.push(submission.jobId);
    const info = await jobEnd(submission.jobId);
    timed('ingestion', began);
    const output = readFileSync(join(work, `ingest-${submission.jobId}.out`), 'utf8');
    expect({ info, output }).toMatchObject({ info: { state: 'COMPLETED', exitStatus: 0 } });
    expect(readReport(join(cal, 'ingest-envoy-report.json'))).toMatchObject({ envoy: 'ingest-envoy', status: 'succeeded', exitCode: 0 });
    expect(existsSync(join(stagingRoot, 'results', 'ingestion-manifest.json'))).toBe(true);
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('scancel while CASA hangs: the envoy stops CASA and its worker, writes its report with the signal, the report comes back, nothing is left on the node', async () => {
    const job = casaJob('cancelled');
    const record = join(job.base, 'casa-record.json');
    const grace = 10;
    const began = Date.now();
    const submission = await sbatch(job.script, [], {
      cwd: job.submitDir,
      env: job.env({ CASA_EMULATOR_SCENARIO: 'hang', CASA_EMULATOR_RECORD: record, ENVOY_GRACE_SECONDS: String(grace) }),
      options: job.options,
    });
    submitted.push(submission.jobId);
    await waitFor(() => recordedPids(record).length === 2, 60000, 'CASA and its MPI worker to start in the job');
    const pids = recordedPids(record);
    for (const pid of pids) expect(alive(pid)).toBe(true);

    const cancelled = Date.now();
    const scancel = spawnSyncChecked('scancel', [submission.jobId]);
    expect(scancel).toBe(0);
    const info = await jobEnd(submission.jobId);
    const stoppedIn = Date.now() - cancelled;
    timed(`hang + scancel (stopped ${(stoppedIn / 1000).toFixed(1)} s after scancel)`, began);
    const output = job.output(submission.jobId);

    // Cancelled, and the batch script still ended normally with the envoy's status: 128 + SIGTERM.
    expect({ info, output }).toMatchObject({ info: { state: 'CANCELLED', exitStatus: 143, exitSignal: 0 } });
    expect(stoppedIn).toBeLessThan((grace + 5) * 1000);
    expect(output).toContain('received SIGTERM');
    expect(output).toMatch(/stopping the process group with SIGTERM/);

    // Neither CASA nor its worker, nor the envoy, nor anything else of the job is left.
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const left = await leftoversAfter([casaHome, job.scratchRoot]);
    expect(describeProcesses(left)).toBe('');

    // The report was written with the signal and staged out.
    const report = readReport(join(job.resultsDir, 'casa-envoy-report.json'));
    expect(report).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM' });
    expect(report.launch?.signal ?? report.launch?.exitCode).toBeDefined();
    expect(existsSync(join(job.resultsDir, 'casa-envoy.standard-cal.out.log'))).toBe(true);
    expect(readdirSync(job.scratchRoot)).toEqual([]);
  });

  it('scancel while CASA ignores SIGTERM: the envoy kills it after its grace period, long before Slurm would', async () => {
    const job = casaJob('stubborn');
    const record = join(job.base, 'casa-record.json');
    const grace = 3;
    const began = Date.now();
    const submission = await sbatch(job.script, [], {
      cwd: job.submitDir,
      env: job.env({ CASA_EMULATOR_SCENARIO: 'hang-stubborn', CASA_EMULATOR_RECORD: record, ENVOY_GRACE_SECONDS: String(grace) }),
      options: job.options,
    });
    submitted.push(submission.jobId);
    await waitFor(() => recordedPids(record).length === 2, 60000, 'CASA and its MPI worker to start in the job');
    const pids = recordedPids(record);

    const cancelled = Date.now();
    expect(spawnSyncChecked('scancel', [submission.jobId])).toBe(0);
    const info = await jobEnd(submission.jobId);
    const stoppedIn = Date.now() - cancelled;
    timed(`hang-stubborn + scancel (stopped ${(stoppedIn / 1000).toFixed(1)} s after scancel)`, began);
    const output = job.output(submission.jobId);

    // Slurm's own SIGKILL would come after KillWait; the envoy's came after its grace period.
    expect({ info, output }).toMatchObject({ info: { state: 'CANCELLED', exitStatus: 143 } });
    expect(stoppedIn).toBeGreaterThanOrEqual(grace * 1000 - 500);
    expect(stoppedIn).toBeLessThan(KILL_WAIT_SECONDS * 1000 - 10000);
    expect(output).toContain('outlived the grace period and was killed with SIGKILL');
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(describeProcesses(await leftoversAfter([casaHome, job.scratchRoot]))).toBe('');
    const report = readReport(join(job.resultsDir, 'casa-envoy-report.json'));
    expect(report).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM', launch: { signal: 'SIGKILL' } });
  });

  it('SIGUSR1 to the batch shell alone (the time-limit warning of --signal=B:USR1) becomes SIGTERM for the envoy', async () => {
    const job = casaJob('time-limit-warning');
    const record = join(job.base, 'casa-record.json');
    const began = Date.now();
    const submission = await sbatch(job.script, [], {
      cwd: job.submitDir,
      env: job.env({ CASA_EMULATOR_SCENARIO: 'hang', CASA_EMULATOR_RECORD: record, ENVOY_GRACE_SECONDS: '10' }),
      options: job.options,
    });
    submitted.push(submission.jobId);
    await waitFor(() => recordedPids(record).length === 2, 60000, 'CASA and its MPI worker to start in the job');
    const pids = recordedPids(record);

    // What `#SBATCH --signal=B:USR1@300` does before the time limit: only the shell gets the signal.
    expect(spawnSyncChecked('scancel', ['--batch', '--signal=USR1', submission.jobId])).toBe(0);
    const info = await jobEnd(submission.jobId);
    timed('hang + SIGUSR1 to the batch shell', began);
    const output = job.output(submission.jobId);

    // Not cancelled by Slurm: the job ended by itself, with the envoy's status.
    expect({ info, output }).toMatchObject({ info: { state: 'FAILED', exitStatus: 143, exitSignal: 0 } });
    expect(output).toContain('received SIGUSR1 (time-limit warning): sending SIGTERM to the envoy');
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(describeProcesses(await leftoversAfter([casaHome, job.scratchRoot]))).toBe('');
    expect(readReport(join(job.resultsDir, 'casa-envoy-report.json'))).toMatchObject({ exitCode: 143, signal: 'SIGTERM' });
  });

  it('input errors pass through as the job exit status: the envoy audit (66) with its report, a missing input of the job (66)', async () => {
    // rawdata/<SdmIdentifier> missing: the envoy's audit fails before CASA is launched.
    const audit = casaJob('audit-failure');
    rmSync(join(audit.submitDir, 'rawdata', SDM), { recursive: true });
    // PPR.xml missing: the job itself refuses to start the envoy.
    const missing = casaJob('missing-input');
    rmSync(join(missing.submitDir, 'PPR.xml'));

    const began = Date.now();
    const [first, second] = await Promise.all([
      sbatch(audit.script, [], { cwd: audit.submitDir, env: audit.env(), options: audit.options }),
      sbatch(missing.script, [], { cwd: missing.submitDir, env: missing.env(), options: missing.options }),
    ]);
    submitted.push(first.jobId, second.jobId);
    const [auditInfo, missingInfo] = await Promise.all([jobEnd(first.jobId), jobEnd(second.jobId)]);
    timed('two input-error jobs', began);

    expect({ auditInfo, output: audit.output(first.jobId) }).toMatchObject({ auditInfo: { state: 'FAILED', exitStatus: 66 } });
    const report = readReport(join(audit.resultsDir, 'casa-envoy-report.json'));
    expect(report).toMatchObject({ status: 'failed', exitCode: 66 });
    expect(report.launch).toBeUndefined();
    expect(existsSync(join(audit.resultsDir, 'casa-envoy.standard-cal.out.log'))).toBe(false); // CASA never ran

    expect({ missingInfo, output: missing.output(second.jobId) }).toMatchObject({ missingInfo: { state: 'FAILED', exitStatus: 66 } });
    expect(missing.output(second.jobId)).toContain(`required input ${missing.submitDir}/PPR.xml does not exist`);
    expect(readdirSync(missing.scratchRoot)).toEqual([]);
  });
});

function spawnSyncChecked(command: string, args: readonly string[]): number | null {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) console.error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.status;
}
