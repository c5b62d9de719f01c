import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { bundlePath, readJson, run, startRedis, tempDir, workspaceRoot, type RedisServer } from '@envoys/testing';
import { EMULATOR, sessionDir, type SessionReport } from './support/session';

// Settings as a site writes them: the README's example properties file, read through CAPO, and the defaults.
describe('carta-envoy settings and dry runs', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const dryRun = async (env: Record<string, string>, mode: string[] = ['--folder', 'images']) => {
    const { dir, images } = sessionDir();
    const reportFile = join(tempDir(), 'report.json');
    const finished = await run(bundlePath('carta-envoy'), [...mode, '--session-id', 'cfg', '--dry-run', '--report', reportFile], {
      cwd: dir,
      // viewer.example.org does not resolve here: a dry run would fail its check of the proxy base URL.
      env: { CARTA_BACKEND: EMULATOR, CARTA_REDIS_URL: redis.url, CARTA_CHECK_PROXY: 'false', ...env },
    });
    return { finished, dir, images, report: readJson<SessionReport & { settings: { key: string; value: unknown; source: string }[] }>(reportFile) };
  };

  it('the example properties file (examples/carta.properties) is a valid CAPO profile; the environment overrides it', async () => {
    const examples = join(workspaceRoot, 'apps/carta-envoy/examples');
    const { finished, report } = await dryRun({ CAPO_PATH: examples, CAPO_PROFILE: 'carta' });
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    const setting = (key: string) => report.settings.find((s) => s.key === key);
    expect(setting('envoys.carta.proxyBaseUrl')).toEqual({ key: 'envoys.carta.proxyBaseUrl', value: 'https://viewer.example.org', source: expect.stringMatching(/carta\.properties:\d+$/) });
    expect(setting('envoys.carta.timeoutMinutes')?.value).toBe(120);
    expect(setting('envoys.carta.backend')).toMatchObject({ value: EMULATOR, source: 'environment variable CARTA_BACKEND' });
    expect(setting('envoys.carta.redisUrl')).toMatchObject({ value: redis.url, source: 'environment variable CARTA_REDIS_URL' });
    expect(finished.stdout).toMatch(/"--idle_timeout","1800"/);
  });

  it("without envoys.carta.host the route targets the node's own name", async () => {
    const { finished, report } = await dryRun({ CARTA_PROXY_BASE_URL: 'https://viewer.example.org/' });
    expect(finished.code).toBe(0);
    const port = report.steps.find((s) => s.name === 'port');
    expect(port?.detail).toMatch(new RegExp(`^the backend picks a free port in 3003-3500; the proxy will reach it at ${hostname().replace(/\./g, '\\.')}`));
    // A trailing slash on the proxy base URL does not double the slash in the session URL.
    expect(report.details.session?.url).toBe('https://viewer.example.org/carta/cfg/');
  });

  it('a lifetime that is not a number is 65 naming the key and where it came from', async () => {
    const { dir } = sessionDir();
    const finished = await run(bundlePath('carta-envoy'), ['--folder', 'images', '--session-id', 'x'], {
      cwd: dir,
      env: { CARTA_BACKEND: EMULATOR, CARTA_PROXY_BASE_URL: 'https://v.example.org', CARTA_TIMEOUT_MINUTES: 'an hour' },
    });
    expect(finished.code).toBe(65);
    expect(finished.stderr).toContain('setting envoys.carta.timeoutMinutes = "an hour" from environment variable CARTA_TIMEOUT_MINUTES is not a number');
  });

  it('--single takes a CASA image directory: opened as it is, its parent as the top-level folder', async () => {
    const { dir } = sessionDir();
    const image = join(dir, 'images', 'target.image');
    mkdirSync(image);
    writeFileSync(join(image, 'table.dat'), '');
    const { finished, report } = await dryRun({ CARTA_PROXY_BASE_URL: 'https://v.example.org' }, ['--single', image]);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(`"--top_level_folder","${join(dir, 'images')}",`);
    expect(finished.stdout).toContain(`,"${image}"]`);
    expect(report.steps.find((s) => s.name === 'audit')?.detail).toBe(`CASA image ${image}; top-level folder ${join(dir, 'images')}`);
  });
});
