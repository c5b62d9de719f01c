import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpReceiver, tempDir, treeFingerprint, type HttpReceiver } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS } from './support/casa-envoy';
import { CASA_EMULATOR_HOME, makeProcessingDir } from './support/processing-dir';

/** The lines of --check's list: `ok` or `FAILED`, the check's name, what it found. */
function checkLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^ {2}(ok|FAILED) {2}/.test(line));
}

// `casa-envoy --check` (the preflight of a node) and the same checks in --dry-run, through the built bundle.
describe('casa-envoy --check', () => {
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('on a node with CASA: exit 0 in an empty directory, every setting with where it came from, nothing written', async () => {
    const capo = tempDir('casa-check-capo-');
    writeFileSync(join(capo, 'dsoc-prod.properties'), `# site\nenvoys.casa.home = ${CASA_EMULATOR_HOME}\n`);
    const dir = tempDir('casa-check-');
    const finished = await casaEnvoy(dir, ['--check', '--timeout-minutes', '90'], { CASA_HOME: undefined, CAPO_PROFILE: 'dsoc-prod', CAPO_PATH: capo, CASA_HANDLED_SEVERE: 'report' });
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(checkLines(finished.stdout)).toEqual([expect.stringMatching(/^ {2}ok {6}casa-home: CASA .*\/bin\/casa; pipeline runners for vla .*, alma /)]);
    expect(finished.stdout).toContain(`  envoys.casa.home = "${CASA_EMULATOR_HOME}"  (CAPO ${join(capo, 'dsoc-prod.properties')}:2)`);
    expect(finished.stdout).toContain('  envoys.casa.timeoutMinutes = 90  (--timeout-minutes)');
    expect(finished.stdout).toContain('  envoys.casa.handledSevere = "report"  (environment variable CASA_HANDLED_SEVERE)');
    expect(finished.stdout).toContain('  envoys.casa.useXvfb = false  (default)');
    expect(finished.stdout).toContain('  envoys.casa.benignSevere: not set');
    expect(treeFingerprint(dir)).toEqual({});
  });

  it('without CASA_HOME: exit 69, the reason once on stderr', async () => {
    const dir = tempDir('casa-check-');
    const finished = await casaEnvoy(dir, ['--check'], { CASA_HOME: undefined });
    expect(finished.code).toBe(69);
    expect(finished.stderr).toBe('casa-envoy: CASA_HOME is not set (setting envoys.casa.home): no CASA installation to run\n');
    expect(checkLines(finished.stdout)).toEqual(['  FAILED  casa-home: CASA_HOME is not set (setting envoys.casa.home): no CASA installation to run (exit 69)']);
  });

  it('CASA_USE_XVFB=true without xvfb-run: 69 naming the setting, after the CASA check that passed', async () => {
    const finished = await casaEnvoy(tempDir('casa-check-'), ['--check'], { CASA_USE_XVFB: 'true', PATH: tempDir('casa-check-path-') });
    expect(finished.code).toBe(69);
    expect(finished.stderr.split('\n')[0]).toBe('casa-envoy: xvfb-run "xvfb-run" not found on PATH (setting envoys.casa.xvfbRun; needed because envoys.casa.useXvfb (CASA_USE_XVFB) is true)');
    expect(checkLines(finished.stdout).map((line) => line.slice(0, 20))).toEqual(['  ok      casa-home:', '  FAILED  xvfb-run: ']);
  });

  it('probes the events endpoint: an answer passes (405 to HEAD from a POST-only endpoint), 404 is 65, nothing listening is 69; no event is sent', async () => {
    receiver = await startHttpReceiver(() => 405);
    const dir = tempDir('casa-check-');
    const ok = await casaEnvoy(dir, ['--check'], { ENVOY_EVENTS_URL: receiver.url });
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(checkLines(ok.stdout)[1]).toBe(`  ok      events-http: events endpoint ${receiver.url} answers (HTTP 405 to a HEAD request)`);
    expect(receiver.received.map((request) => request.method)).toEqual(['HEAD']);
    await receiver.close();
    receiver = await startHttpReceiver(() => 404);
    const missing = await casaEnvoy(dir, ['--check'], { ENVOY_EVENTS_URL: receiver.url });
    expect(missing.code).toBe(65);
    expect(missing.stderr).toBe(`casa-envoy: events endpoint ${receiver.url} answers HTTP 404: no such endpoint (setting envoys.events.url, ENVOY_EVENTS_URL)\n`);
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    const down = await casaEnvoy(dir, ['--check'], { ENVOY_EVENTS_URL: url });
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/^casa-envoy: events endpoint .* does not answer: connection refused \(ECONNREFUSED\)/);
    expect(treeFingerprint(dir)).toEqual({});
  });

  it('a dry run runs the same checks, failing only where the real run would: an events endpoint that is not there is a warning', async () => {
    receiver = await startHttpReceiver(() => 404);
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const before = treeFingerprint(dir);
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run'], { ENVOY_EVENTS_URL: receiver.url });
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(finished.stdout).toMatch(/WARN +\[check-node\] events-http: events endpoint .* answers HTTP 404: no such endpoint .* \(the run goes on without it\)/);
    expect(finished.stdout).toMatch(/INFO +\[check-node\] casa-home: CASA /);
    expect(receiver.received.map((request) => request.method)).toEqual(['HEAD']);
    expect(treeFingerprint(dir)).toEqual(before);
    const noXvfb = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run'], { CASA_USE_XVFB: 'true', PATH: tempDir('casa-check-path-') });
    expect(noXvfb.code).toBe(69);
    expect(noXvfb.stderr.split('\n')[0]).toMatch(/^casa-envoy: xvfb-run "xvfb-run" not found on PATH/);
  });

  it.each([
    [['--check', '-c', 'metadata.json', 'PPR.xml'], '--check takes no mode: it checks this node and the site, not a run (drop -c)'],
    [['--check', '--dry-run'], 'conflicting options: --check and --dry-run (--dry-run checks a run; --check the node)'],
    [['--check', '--report', 'r.json'], '--check writes no report: drop --report'],
    [['--check=yes'], 'option --check takes no value'],
    [['--check', '--restore'], 'option --restore only goes with -c, not with --check'],
  ])('%j is a usage error: exit 2, one line, nothing written', async (args, message) => {
    const dir = tempDir('casa-check-');
    const finished = await casaEnvoy(dir, args);
    expect(finished.code).toBe(2);
    expect(finished.stderr.split('\n').slice(0, 2)).toEqual([`casa-envoy: ${message}`, '']);
    expect(treeFingerprint(dir)).toEqual({});
  });

  it('a bad --set value in --check is exit 2, its sentence once', async () => {
    const finished = await casaEnvoy(tempDir('casa-check-'), ['--check', '--set', 'envoys.casa.timeoutMinutes=soon']);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toBe('casa-envoy: setting envoys.casa.timeoutMinutes = "soon" from --set is not a number\n');
  });

  it('--check --log-format json and --dry-run --log-format json: every line of stdout and stderr is JSON, the plan included', async () => {
    const check = await casaEnvoy(tempDir('casa-check-'), ['--check', '--log-format', 'json']);
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const dry = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run', '--log-format', 'json']);
    const failed = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run', '--log-format', 'json'], { CASA_HOME: undefined });
    for (const finished of [check, dry, failed]) {
      const lines = `${finished.stdout}${finished.stderr}`.split('\n').filter((line) => line !== '');
      expect(lines.length).toBeGreaterThan(2);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    expect([check.code, dry.code, failed.code]).toEqual([0, 0, 69]);
    const settings = check.stdout.split('\n').filter((line) => line.includes('"step":"settings"')).map((line) => JSON.parse(line) as { key?: string; value?: unknown; source?: string });
    expect(settings).toContainEqual(expect.objectContaining({ key: 'envoys.casa.home', value: CASA_EMULATOR_HOME, source: 'environment variable CASA_HOME' }));
    const plan = dry.stdout.split('\n').filter((line) => line.includes('"step":"plan"')).map((line) => JSON.parse(line) as { plan: { argv: string[]; env: Record<string, string> } });
    expect(plan).toHaveLength(1);
    expect(plan[0]?.plan.argv[0]).toBe(join(CASA_EMULATOR_HOME, 'bin/casa'));
    expect(plan[0]?.plan.env['PPR_FILENAME']).toBe('PPR.xml');
    expect(JSON.parse(failed.stderr.trim()) as unknown).toMatchObject({ level: 'error', exitCode: 69, message: expect.stringContaining('CASA_HOME is not set') });
  });
});
