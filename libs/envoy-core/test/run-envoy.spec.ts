import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson, run, start, waitFor } from '@envoys/testing';
import { child, testEnvoy } from './support/test-envoy-process';

interface Report {
  envoy: string;
  version: string;
  mode: string;
  status: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  steps: { name: string; status: string; durationMs: number; detail: string }[];
  launch?: { argv: string[]; cwd: string; env: Record<string, string>; exitCode: number | null; signal: string | null; durationMs: number };
  findings: unknown[];
  signal?: string;
  details: Record<string, unknown>;
}

// The life cycle as a user meets it: command line, steps, report, exit statuses (CONTRACT 3).
describe('the envoy life cycle', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-run-'));
  });

  it('--help and --version exit 0 and write nothing', async () => {
    const help = await run(testEnvoy(), ['--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--run SCRIPT');
    expect(help.stdout).toContain('--dry-run');
    const version = await run(testEnvoy(), ['--version'], { cwd: dir });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe('test-envoy 4.5.6');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['--run'], /option --run needs a value SCRIPT/],
    [['--run', 'x', '--audit-only', 'y'], /conflicting modes/],
    [[], /a mode is required/],
    [['--audit-only', 'd', '--loud'], /--loud only goes with/],
    [['--run', 'x', '--log-format', 'xml'], /text or json/],
    [['--run', 'x', 'extra'], /unexpected argument "extra"/],
  ])('usage error %j: one line, usage, exit 2, no report', async (args, message) => {
    const finished = await run(testEnvoy(), args, { cwd: dir });
    expect(finished.code).toBe(2);
    const [first, second] = finished.stderr.split('\n');
    expect(first).toMatch(message);
    expect(first).toMatch(/^test-envoy: /);
    expect(second).toBe('');
    expect(finished.stderr).toContain('Usage:');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    [['--run', 'x', '--set', 'envoys.test.timeoutMinutes=soon'], 'setting envoys.test.timeoutMinutes = "soon" from --set is not a number'],
    [['--run', 'x', '--set', 'envoys.test.timeoutMinute=3'], 'unknown setting "envoys.test.timeoutMinute" from --set (did you mean envoys.test.timeoutMinutes?)'],
    [['--run', 'x', '--set', 'envoys.logLevel=loud'], 'setting envoys.logLevel = "loud" from --set is not one of error, warn, info, debug'],
  ])('a bad command-line setting %j exits 2 (the job is held, not ended), its sentence printed once', async (args, message) => {
    const finished = await run(testEnvoy(), args, { cwd: dir });
    expect(finished.code).toBe(2);
    expect(finished.stderr).toBe(`test-envoy: ${message}\n`);
    expect(readJson<Report>(join(dir, 'test-envoy-report.json')).exitCode).toBe(2);
  });

  it('a bad setting from the environment stays 65 (the site, not the job, is wrong)', async () => {
    const finished = await run(testEnvoy(), ['--run', 'x'], { cwd: dir, env: { TEST_RETRIES: 'three' } });
    expect(finished.code).toBe(65);
    expect(finished.stderr).toBe('test-envoy: setting envoys.test.retries = "three" from environment variable TEST_RETRIES is not an integer\n');
  });

  it("the envoy's own bug exits 71 (not 70, the external system's failure), with its message once and the stack", async () => {
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--crash-audit'], { cwd: dir });
    expect(finished.code).toBe(71);
    const lines = finished.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe("test-envoy: internal error: Cannot read properties of undefined (reading 'x')");
    expect(lines.slice(1).length).toBeGreaterThan(0);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}\s*at /);
    const report = readJson<Report & { error: { message: string } }>(join(dir, 'test-envoy-report.json'));
    expect([report.exitCode, report.error.message]).toEqual([71, "internal error: Cannot read properties of undefined (reading 'x')"]);
    expect(report.launch).toBeUndefined();
  });

  it('writes the report on success with steps, launch and times', async () => {
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir });
    expect(finished.code).toBe(0);
    const report = readJson<Report>(join(dir, 'test-envoy-report.json'));
    expect(report).toMatchObject({ envoy: 'test-envoy', mode: 'run', status: 'succeeded', exitCode: 0, findings: [], details: { prepared: true } });
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([
      ['audit', 'succeeded'],
      ['prepare', 'succeeded'],
      ['launch', 'succeeded'],
      ['verify', 'succeeded'],
    ]);
    expect(report.launch).toMatchObject({ argv: [process.execPath, child('report-env.js')], cwd: dir, env: { ENVOY_SET: 'set-by-envoy' }, exitCode: 0, signal: null });
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    // Human log lines: time, level, step.
    expect(finished.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO +\[audit\] /m);
  });

  it('an audit failure exits 65 with one line first, details after, a report, and no launch', async () => {
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--fail-audit'], { cwd: dir });
    expect(finished.code).toBe(65);
    const lines = finished.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^test-envoy: .*report-env\.js: field "x" is missing$/);
    expect(lines[1]).toBe('  second problem');
    const report = readJson<Report>(join(dir, 'test-envoy-report.json'));
    expect(report).toMatchObject({ status: 'failed', exitCode: 65 });
    expect(report.launch).toBeUndefined();
    expect(report.steps[0]).toMatchObject({ name: 'audit', status: 'failed' });
    expect(existsSync(join(dir, 'prepared.txt'))).toBe(false);
  });

  it('--report FILE puts the report there', async () => {
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--report', 'out/r.json'], { cwd: dir });
    expect(finished.code).toBe(0); // out/ does not exist: the report cannot be written, the run still tells the truth
    expect(finished.stderr).toMatch(/could not write the run report/);
    const again = await run(testEnvoy(), ['--run', child('report-env.js'), '--report', 'r.json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(readJson<Report>(join(dir, 'r.json')).status).toBe('succeeded');
    expect(existsSync(join(dir, 'test-envoy-report.json'))).toBe(false);
  });

  it('--dry-run prints the plan and creates or changes no file', async () => {
    writeFileSync(join(dir, 'existing.txt'), 'x');
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--arg', 'a b', '--dry-run'], { cwd: dir });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(`argv: ${JSON.stringify([process.execPath, child('report-env.js'), 'a b'])}`);
    expect(finished.stdout).toContain(`cwd: ${dir}`);
    expect(finished.stdout).toContain('env: ENVOY_SET=set-by-envoy');
    expect(finished.stdout).toContain('unset: REMOVE_ME');
    expect(finished.stdout).not.toContain('CHILD ');
    expect(readdirSync(dir)).toEqual(['existing.txt']);
  });

  it('a bad setting exits 65 naming the key and where it came from', async () => {
    const capo = mkdtempSync(join(tmpdir(), 'envoys-capo-'));
    writeFileSync(join(capo, 'test.properties'), 'envoys.test.retries = lots\n');
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { CAPO_PROFILE: 'test', CAPO_PATH: capo } });
    expect(finished.code).toBe(65);
    const first = finished.stderr.split('\n')[0] ?? '';
    expect(first).toContain('envoys.test.retries');
    expect(first).toContain(join(capo, 'test.properties'));
    expect(readJson<Report>(join(dir, 'test-envoy-report.json')).exitCode).toBe(65);
  });

  it('a signal during setup stops the run with 128+N and a report, before anything is launched', async () => {
    const envoy = start(testEnvoy(), ['--run', child('report-env.js'), '--slow-setup'], { cwd: dir });
    await waitFor(() => envoy.output().includes('[prepare] starting'), 15000, 'the slow step');
    envoy.process.kill('SIGTERM');
    const finished = await envoy.finished;
    expect(finished.code).toBe(143);
    const report = readJson<Report>(join(dir, 'test-envoy-report.json'));
    expect(report).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM' });
    expect(report.launch).toBeUndefined();
  });

  it('a step that ignores the abort signal is abandoned 2 s after SIGTERM; what it was writing is removed', async () => {
    const envoy = start(testEnvoy(), ['--run', child('report-env.js'), '--deaf-setup'], { cwd: dir, env: { ENVOY_GRACE_SECONDS: '30' } });
    await waitFor(() => envoy.output().includes('deaf step writing'), 15000, 'the deaf step');
    const temporary = /deaf step writing (\S+)/.exec(envoy.output())?.[1] ?? '';
    expect(existsSync(temporary)).toBe(true);
    const sent = Date.now();
    envoy.process.kill('SIGTERM');
    const finished = await envoy.finished;
    expect(finished.code).toBe(143);
    // 2 s, not the 30 s grace period (generous margin for a busy machine).
    expect(Date.now() - sent).toBeLessThan(8000);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(dir, 'deaf.dat'))).toBe(false);
    const report = readJson<Report>(join(dir, 'test-envoy-report.json'));
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([['audit', 'succeeded'], ['prepare', 'failed']]);
  });

  it('--log-format json gives JSON lines', async () => {
    const finished = await run(testEnvoy(), ['--audit-only', dir, '--log-format', 'json'], { cwd: dir });
    expect(finished.code).toBe(0);
    const lines = finished.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toEqual(expect.objectContaining({ time: expect.any(String), level: expect.any(String), step: expect.any(String) }));
  });

  it('no secret appears in the log, the report or error messages', async () => {
    const secret = 'pa55word-xyz';
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--fail-audit', '--set', `envoys.test.password=${secret}`], { cwd: dir });
    expect(finished.code).toBe(65);
    const report = readFileSync(join(dir, 'test-envoy-report.json'), 'utf8');
    expect(report).toContain('envoys.test.password');
    for (const text of [finished.stdout, finished.stderr, report]) expect(text).not.toContain(secret);
  });
});
