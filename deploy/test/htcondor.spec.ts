import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { alive, startRedis, tempDir, waitFor, workspaceRoot, type RedisServer } from '@envoys/testing';
import { DEPLOY_DIR, ENVOYS, expectedCorrectedPpr, makeCapo, makeCasaHome, makeInstall, makeProcessingDir, readReport, STALE_RELATIVE_PATH, type Envoy } from './support/install';
import { describeProcesses, leftoversAfter } from './support/leftovers';
import { startAsHtcondor } from './support/starter';
import { environmentOf, expandSubmit, fileList, heldExitCodes, readSubmitFile, splitNewSyntax } from './support/submit-file';

// HTCondor is not packaged for the Debian these machines run, so the submit files in deploy/htcondor are
// never submitted here. This checks what can be checked without it: that every key is a real submit
// command (or one of the files' own macros) with the values the deployment relies on, and that the
// wrapper, run the way HTCondor's starter runs a job (scratch directory, transferred inputs, the job ad,
// only the submit file's environment, SIGTERM to the job's process), gives each envoy what it needs and
// leaves every transfer_output_files entry behind. See deploy/htcondor/README.md for what it cannot prove.

const SUBMIT_COMMANDS = new Set([
  'universe',
  'executable',
  'arguments',
  'should_transfer_files',
  'transfer_input_files',
  'when_to_transfer_output',
  'transfer_output_files',
  'getenv',
  'environment',
  'kill_sig',
  'job_max_vacate_time',
  'on_exit_hold',
  'on_exit_hold_reason',
  'on_exit_hold_subcode',
  'output',
  'error',
  'log',
  'request_cpus',
  'request_memory',
  'request_disk',
  'requirements',
]);
const OWN_MACROS = new Set(['envoys_home', 'envoy_mode', 'envoy_args', 'envoy_target', 'envoy_session_id']);

const submitFile = (envoy: Envoy) => join(DEPLOY_DIR, 'htcondor', `${envoy}.sub`);
const SITE_ENV = { CAPO_PROFILE: 'site', CAPO_PATH: '/etc/capo', PWD: '/lustre/spool/tmpo1ca1pp_' };

describe('HTCondor submit files (checked, not run: HTCondor is not installable here)', () => {
  describe.each(ENVOYS)('%s.sub', (envoy) => {
    const file = readSubmitFile(submitFile(envoy));
    const commands = expandSubmit(file, { env: SITE_ENV, cluster: 42 });

    it('uses only real submit commands and its own macros, each once, and queues one job', () => {
      const names = file.entries.map(([name]) => name);
      expect(names.filter((name) => !SUBMIT_COMMANDS.has(name) && !OWN_MACROS.has(name))).toEqual([]);
      expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
      expect(file.queued).toBe(true);
    });

    it('runs the shared wrapper in the vanilla universe with the transferred bundle as its first argument', () => {
      expect(commands.get('universe')).toBe('vanilla');
      expect(commands.get('executable')).toBe('/opt/envoys/deploy/htcondor/envoy-job.sh');
      const inputs = fileList(commands.get('transfer_input_files'));
      expect(inputs[0]).toBe(`/opt/envoys/${envoy}/main.js`);
      expect(splitNewSyntax(commands.get('arguments') ?? '')[0]).toBe(basename(inputs[0] as string));
    });

    it('transfers files, brings outputs back also on eviction, and stops the envoy with SIGTERM in time', () => {
      expect(commands.get('should_transfer_files')).toBe('YES');
      expect(commands.get('when_to_transfer_output')).toBe('ON_EXIT_OR_EVICT');
      expect(commands.get('kill_sig')).toBe('SIGTERM');
      expect(commands.get('getenv')).toBe('False');
      const env = environmentOf(commands.get('environment') ?? '');
      expect(env).toMatchObject({ CAPO_PROFILE: 'site', CAPO_PATH: '/etc/capo' });
      // Between SIGTERM and HTCondor's hard kill: the envoy's grace period (and CARTA's route teardown),
      // plus time to write the report.
      const needed = Number(env['ENVOY_GRACE_SECONDS']) + Number(env['CARTA_TEARDOWN_SECONDS'] ?? 0) + 10;
      expect(Number.isFinite(needed)).toBe(true);
      expect(Number(commands.get('job_max_vacate_time'))).toBeGreaterThanOrEqual(needed);
      // The job's stdout (the envoy's log lines and CASA's output), stderr and HTCondor's event log, per cluster.
      expect([commands.get('output'), commands.get('error'), commands.get('log')]).toEqual([`${envoy}.42.out`, `${envoy}.42.err`, `${envoy}.42.log`]);
    });

    it('holds only what an operator can fix; input errors and CASA failures end the job with their status', () => {
      const held = heldExitCodes(commands.get('on_exit_hold') ?? '');
      for (const code of [0, 65, 66, 70, 124, 143]) expect(held.has(code)).toBe(false);
      expect(held.has(2)).toBe(true);
      if (envoy === 'carta-envoy') expect([...held]).toEqual([2]);
      else {
        // 71 is the envoy's own bug: held, so that a fixed envoy can be installed and the job released.
        expect([...held].sort()).toEqual([2, 69, 71, 73]);
        expect(commands.get('on_exit_hold_reason')).toContain('ifThenElse(ExitCode =?= 71, "internal error of the envoy');
        expect(commands.get('on_exit_hold')).toContain('ExitBySignal =?= true');
      }
      expect(commands.get('on_exit_hold_reason')).toContain(envoy);
    });
  });

  it('the output log named in casa-envoy.sub and carta-envoy.sub follows the mode in their arguments', () => {
    const casa = expandSubmit(readSubmitFile(submitFile('casa-envoy')), { env: SITE_ENV });
    expect(fileList(casa.get('transfer_output_files'))).toEqual(['working', 'products', 'casa-envoy-report.json', 'casa-envoy-report.html', 'casa-envoy-status.json', 'casa-envoy.standard-cal.out.log']);
    expect(casa.get('arguments')).toBe('"main.js --standard-cal metadata.json PPR.xml"');
    const restore = expandSubmit(readSubmitFile(submitFile('casa-envoy')), {
      env: SITE_ENV,
      append: { ENVOY_MODE: 'restore', ENVOY_ARGS: '--standard-cal metadata.json PPR.xml --restore' },
    });
    expect(fileList(restore.get('transfer_output_files'))).toContain('casa-envoy.restore.out.log');
    const carta = expandSubmit(readSubmitFile(submitFile('carta-envoy')), { env: SITE_ENV, cluster: 7, append: { ENVOY_MODE: 'single', ENVOY_TARGET: '/data/cube.fits' } });
    expect(carta.get('arguments')).toBe('"main.js --single /data/cube.fits --session-id s-7"');
    expect(fileList(carta.get('transfer_output_files'))).toEqual(['carta-envoy-report.json', 'carta-envoy-report.html', 'carta-envoy-status.json', 'carta-envoy.single.out.log']);
  });
});

describe('envoy-job.sh run as HTCondor runs a job', () => {
  let home: string;
  let casaHome: string;
  let work: string;
  let capo: string;

  beforeAll(() => {
    home = makeInstall();
    casaHome = makeCasaHome();
    work = tempDir('envoys-htcondor-');
    capo = makeCapo('site', {
      'envoys.casa.home': casaHome,
      'envoys.ingest.stagingRoot': join(work, 'staging'),
      'envoys.ingest.command': join(workspaceRoot, 'tools/emulators/ingest/bin/ingest'),
    });
    mkdirSync(join(work, 'staging'));
  });

  afterAll(() => {
    for (const dir of [work, home, casaHome, capo]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A calibration request as the workflow prepares it, in its own spool directory. */
  function request(name: string, metadata?: Record<string, unknown>): string {
    const spool = join(work, name);
    mkdirSync(spool);
    return makeProcessingDir(spool, STALE_RELATIVE_PATH, { metadata });
  }

  const append = () => ({ ENVOYS_HOME: home });
  const siteEnv = (submitDir: string) => ({ CAPO_PROFILE: 'site', CAPO_PATH: capo, PWD: submitDir });

  it('casa-envoy.sub: the calibration runs in the scratch directory with the settings from CAPO_PROFILE, and every output comes back', async () => {
    const submitDir = request('calibration');
    const job = startAsHtcondor(submitFile('casa-envoy'), { submitDir, executeDir: join(work, 'execute'), env: siteEnv(submitDir), append: append() });
    const finished = await job.finished;
    expect({ code: finished.code, stderr: finished.stderr }).toMatchObject({ code: 0 });
    expect(readdirSync(job.scratch)).toEqual(expect.arrayContaining(['main.js', 'metadata.json', 'PPR.xml', 'rawdata', 'envoy-job.sh']));
    job.transferBack();

    const report = readReport(join(submitDir, 'casa-envoy-report.json'));
    expect(report).toMatchObject({ status: 'succeeded', exitCode: 0 });
    // CASA_HOME came from the CAPO profile named in the job's environment, not from the submitter's.
    expect(report.launch?.argv[0]).toBe(join(casaHome, 'bin/casa'));
    const scratch = realpathSync(job.scratch);
    expect(readFileSync(join(submitDir, 'working/PPR.xml'), 'utf8')).toBe(
      expectedCorrectedPpr(readFileSync(join(submitDir, 'PPR.xml'), 'utf8'), dirname(scratch), basename(scratch)),
    );
    expect(readdirSync(join(submitDir, 'products'))).toContain('unknown.session_1.caltables.tgz');
    expect(statSync(join(submitDir, 'casa-envoy.standard-cal.out.log')).size).toBeGreaterThan(0);
  });

  it('ingest-envoy.sub: ingests that calibration in place; its report is written into the processing directory', async () => {
    const submitDir = join(work, 'calibration', STALE_RELATIVE_PATH);
    expect(existsSync(join(submitDir, 'products'))).toBe(true); // from the test above
    const job = startAsHtcondor(submitFile('ingest-envoy'), {
      submitDir,
      executeDir: join(work, 'execute'),
      env: siteEnv(submitDir),
      append: append(),
    });
    const finished = await job.finished;
    expect({ code: finished.code, stderr: finished.stderr }).toMatchObject({ code: 0 });
    expect(readdirSync(job.scratch).sort()).toEqual(['.job.ad', 'envoy-job.sh', 'main.js']);
    job.transferBack();
    expect(readReport(join(submitDir, 'ingest-envoy-report.json'))).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(existsSync(join(work, 'staging', STALE_RELATIVE_PATH, 'ingestion-manifest.json'))).toBe(true);
  });

  it('an input error (65) ends the job with its report; the outputs that were never written exist, empty, so the job is not held', async () => {
    const submitDir = request('ineligible', { productLocator: 'uid://evla/calibration/not-an-execution-block' });
    const job = startAsHtcondor(submitFile('casa-envoy'), { submitDir, executeDir: join(work, 'execute'), env: siteEnv(submitDir), append: append() });
    const finished = await job.finished;
    expect(finished.code).toBe(65);
    expect(finished.stderr).toContain('productLocator');
    job.transferBack(); // throws if an output were missing
    expect(readReport(join(submitDir, 'casa-envoy-report.json'))).toMatchObject({ status: 'failed', exitCode: 65 });
    expect(statSync(join(submitDir, 'casa-envoy.standard-cal.out.log')).size).toBe(0);
    expect(readdirSync(join(submitDir, 'products'))).toEqual([]);
    expect(heldExitCodes(job.commands.get('on_exit_hold') ?? '').has(65)).toBe(false);
  });

  it("kill_sig reaches the envoy: SIGTERM to the job's process alone stops CASA and its worker, exit 143, report with the signal", async () => {
    const submitDir = request('evicted');
    const record = join(work, 'evicted-record.json');
    const env = siteEnv(submitDir);
    // The emulator's scenario goes into the job's environment the way a site adds a variable to it
    // (condor_submit -append 'environment = ...'), after the file's own entries.
    const own = expandSubmit(readSubmitFile(submitFile('casa-envoy')), { env, append: append() }).get('environment') ?? '""';
    const environment = `${own.slice(0, -1)} CASA_EMULATOR_SCENARIO=hang CASA_EMULATOR_RECORD=${record}"`;
    const job = startAsHtcondor(submitFile('casa-envoy'), { submitDir, executeDir: join(work, 'execute'), env, append: { ...append(), environment } });
    await waitFor(() => recordPids(record).length === 2, 30000, 'CASA and its MPI worker');
    const pids = recordPids(record);
    for (const pid of pids) expect(alive(pid)).toBe(true);

    const sent = Date.now();
    job.process.kill('SIGTERM'); // what the starter does on eviction or condor_rm: kill_sig to the job's process only
    const finished = await job.finished;
    expect({ code: finished.code, signal: finished.signal }).toEqual({ code: 143, signal: null });
    expect(Date.now() - sent).toBeLessThan(10000);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(describeProcesses(await leftoversAfter([casaHome, job.scratch]))).toBe('');
    job.transferBack();
    expect(readReport(join(submitDir, 'casa-envoy-report.json'))).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM' });
  });

  it("a hard kill of the job's process alone (SIGKILL, no process tracking): the envoy's watchdog stops CASA and its worker", async () => {
    const submitDir = request('hard-killed');
    const record = join(work, 'hard-killed-record.json');
    const env = siteEnv(submitDir);
    const own = expandSubmit(readSubmitFile(submitFile('casa-envoy')), { env, append: append() }).get('environment') ?? '""';
    const environment = `${own.slice(0, -1)} CASA_EMULATOR_SCENARIO=hang CASA_EMULATOR_RECORD=${record}"`;
    const job = startAsHtcondor(submitFile('casa-envoy'), { submitDir, executeDir: join(work, 'execute'), env, append: { ...append(), environment } });
    await waitFor(() => recordPids(record).length === 2, 30000, 'CASA and its MPI worker');
    const pids = recordPids(record);
    job.process.kill('SIGKILL'); // the starter's hard kill, or the OOM killer, without a cgroup to clean up
    await waitFor(() => pids.every((pid) => !alive(pid)), 30000, 'CASA and its worker to be stopped by the watchdog');
    const finished = await job.finished;
    expect(finished.signal).toBe('SIGKILL');
    expect(finished.stdout).toMatch(/\[watchdog\] casa-envoy \(pid \d+\) died while casa/);
    expect(describeProcesses(await leftoversAfter([casaHome, job.scratch]))).toBe('');
  });

  describe('carta-envoy.sub', () => {
    let redis: RedisServer | undefined;
    afterAll(async () => {
      await redis?.stop();
    });

    it('a session on the folder the workflow names runs its lifetime and brings back its report and output log', async () => {
      redis = await startRedis();
      const images = join(work, 'images');
      mkdirSync(images);
      const capoCarta = makeCapo('site', {
        'envoys.carta.backend': join(workspaceRoot, 'tools/emulators/carta/bin/carta_backend'),
        'envoys.carta.redisUrl': redis.url,
        'envoys.carta.proxyBaseUrl': 'https://viewer.example.org',
        'envoys.carta.host': '127.0.0.1',
        'envoys.carta.timeoutMinutes': '0.05',
        // No proxy in front of this session: what is tested here is the job wrapper (the proxy check: carta-envoy's tests).
        'envoys.carta.checkProxy': 'false',
      }, work);
      const submitDir = join(work, 'carta-submit');
      mkdirSync(submitDir);
      const job = startAsHtcondor(submitFile('carta-envoy'), {
        submitDir,
        executeDir: join(work, 'execute'),
        env: { CAPO_PROFILE: 'site', CAPO_PATH: capoCarta, PWD: submitDir },
        append: { ...append(), ENVOY_TARGET: images },
        cluster: 17,
      });
      expect(job.argv).toEqual(['main.js', '--folder', images, '--session-id', 's-17']);
      const finished = await job.finished;
      expect({ code: finished.code, stderr: finished.stderr }).toMatchObject({ code: 0 });
      job.transferBack();
      expect(readReport(join(submitDir, 'carta-envoy-report.json'))).toMatchObject({ envoy: 'carta-envoy', mode: 'folder', status: 'succeeded', exitCode: 0 });
      expect(statSync(join(submitDir, 'carta-envoy.folder.out.log')).size).toBeGreaterThan(0);
    });
  });
});

function recordPids(record: string): number[] {
  if (!existsSync(record)) return [];
  try {
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; childPid?: number };
    return seen.childPid ? [seen.pid, seen.childPid] : [];
  } catch {
    return [];
  }
}
