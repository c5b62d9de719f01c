import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlePath, freeLoopbackPort, run, startHttpReceiver, startRedis, tempDir, treeFingerprint, workspaceRoot, type HttpReceiver, type RedisServer } from '@envoys/testing';
import { EMULATOR, sessionDir, traefikKeys } from './support/session';

const ADMIN_PASSWORD = 'check-admin-Pf19';
const ENVOY_PASSWORD = 'check-envoy-Pf19';

/** The README's ACL line for the envoy's Redis user, as an operator applies it. */
function readmeEnvoyAcl(): string[] {
  const readme = readFileSync(join(workspaceRoot, 'apps/carta-envoy/README.md'), 'utf8');
  const line = readme.split('\n').map((text) => text.trim()).find((text) => text.startsWith('ACL SETUSER carta-envoy '));
  if (!line) throw new Error('no ACL SETUSER carta-envoy line in the README');
  return line.replace('>ENVOY_PASSWORD', `>${ENVOY_PASSWORD}`).split(/\s+/).slice(1);
}

function checkLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^ {2}(ok|FAILED) {2}/.test(line));
}

// carta-envoy --check against a real redis-server with ACL users, and --dry-run running the same checks.
describe('carta-envoy --check', () => {
  let redis: RedisServer;
  let proxy: HttpReceiver | undefined;
  beforeAll(async () => {
    redis = await startRedis({ password: ADMIN_PASSWORD });
    await redis.command('ACL', ...readmeEnvoyAcl());
    await redis.command('ACL', 'SETUSER', 'pinger', 'on', '>ping-only-Pf19', 'resetchannels', '+ping');
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  const urlOf = (user: string, password: string) => `redis://${user}:${password}@127.0.0.1:${redis.port}`;
  const carta = (dir: string, args: string[], env: Record<string, string | undefined>) =>
    run(bundlePath('carta-envoy'), args, { cwd: dir, env: { CARTA_BACKEND: EMULATOR, CARTA_REDIS_URL: urlOf('carta-envoy', ENVOY_PASSWORD), ...env } });

  it("with the README's ACL user and a proxy that answers: exit 0, every check ok, no key left in Redis, nothing written", async () => {
    proxy = await startHttpReceiver(() => 404);
    const dir = tempDir('carta-check-');
    const finished = await carta(dir, ['--check'], { CARTA_PROXY_BASE_URL: `http://127.0.0.1:${proxy.port}` });
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(checkLines(finished.stdout)).toEqual([
      `  ok      backend: CARTA backend ${EMULATOR}`,
      `  ok      redis: Redis at redis://127.0.0.1:${redis.port}: the envoy's user may read, write, watch and delete route keys under traefik/ (probe key written and deleted)`,
      `  ok      proxy: the proxy base URL http://127.0.0.1:${proxy.port}/ answers (HTTP 404)`,
    ]);
    expect(proxy.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /']);
    expect(finished.stdout).toContain(`  envoys.carta.proxyBaseUrl = "http://127.0.0.1:${proxy.port}"  (environment variable CARTA_PROXY_BASE_URL)`);
    expect(finished.stdout).toContain('  envoys.carta.rootKey = "traefik"  (default)');
    // The URL's password is redacted wherever the settings are shown.
    expect(finished.stdout).not.toContain(ENVOY_PASSWORD);
    expect(await traefikKeys(redis)).toEqual([]);
    expect(treeFingerprint(dir)).toEqual({});
  });

  it('a Redis user that may only PING: exit 69 and one clear line naming what it lacks; no key written', async () => {
    const dir = tempDir('carta-check-');
    const finished = await carta(dir, ['--check'], { CARTA_PROXY_BASE_URL: 'https://viewer.example.org', CARTA_CHECK_PROXY: 'false', CARTA_REDIS_URL: urlOf('pinger', 'ping-only-Pf19') });
    expect(finished.code).toBe(69);
    // Redis words NOPERM by version ("User pinger has", "this user has").
    expect(finished.stderr).toMatch(
      new RegExp(`^carta-envoy: Redis at redis://127\\.0\\.0\\.1:${redis.port} refuses the route keys under traefik/ to the envoy's user: NOPERM [^\n]*no permissions to run the 'get' command \\(it needs ~traefik/\\* \\+get \\+set \\+del \\+watch \\+unwatch \\+multi \\+exec\\)\n$`),
    );
    expect(checkLines(finished.stdout)[1]).toMatch(/^ {2}FAILED {2}redis: .* \(exit 69\)$/);
    expect(await traefikKeys(redis)).toEqual([]);
  });

  it('a user that may write but not delete route keys: 69, the probe key removed by its expiry, not left for Traefik to route', async () => {
    await redis.command('ACL', 'SETUSER', 'nodel', 'on', '>no-del-Pf19', 'resetchannels', '~traefik/*', '+ping', '+get', '+set', '+watch', '+unwatch', '+multi', '+exec');
    const finished = await carta(tempDir('carta-check-'), ['--check'], { CARTA_PROXY_BASE_URL: 'https://viewer.example.org', CARTA_CHECK_PROXY: 'false', CARTA_REDIS_URL: urlOf('nodel', 'no-del-Pf19') });
    expect(finished.code).toBe(69);
    expect(finished.stderr.split('\n')[0]).toMatch(/refuses the route keys under traefik\/ to the envoy's user/);
    const keys = await traefikKeys(redis);
    expect(keys).toEqual([expect.stringMatching(/^traefik\/http\/services\/carta-envoy-check-[0-9a-f]{12}\/loadbalancer\/servers\/0\/url$/)]);
    const ttl = (await redis.command('TTL', keys[0] as string)) as number;
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    await redis.command('DEL', keys[0] as string);
  });

  it('Redis not there: 69 "unreachable"; no proxy base URL: 65 naming the setting, the one problem once', async () => {
    const down = await carta(tempDir('carta-check-'), ['--check'], { CARTA_PROXY_BASE_URL: 'https://viewer.example.org', CARTA_CHECK_PROXY: 'false', CARTA_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/^carta-envoy: Redis at redis:\/\/127\.0\.0\.1:1 is unreachable: connection refused \(ECONNREFUSED\)/);
    const unset = await carta(tempDir('carta-check-'), ['--check'], {});
    expect(unset.code).toBe(65);
    expect(unset.stderr).toBe('carta-envoy: setting envoys.carta.proxyBaseUrl is required (set it in a CAPO properties file or as CARTA_PROXY_BASE_URL)\n');
    expect(checkLines(unset.stdout)).toHaveLength(1);
  });

  it('a proxy base URL nobody answers at: 69 naming the setting and the way to skip the check', async () => {
    const port = await freeLoopbackPort();
    const finished = await carta(tempDir('carta-check-'), ['--check'], { CARTA_PROXY_BASE_URL: `http://127.0.0.1:${port}/` });
    expect(finished.code).toBe(69);
    expect(finished.stderr).toBe(
      `carta-envoy: the proxy base URL http://127.0.0.1:${port}/ does not answer: connection refused (ECONNREFUSED) (setting envoys.carta.proxyBaseUrl, CARTA_PROXY_BASE_URL; envoys.carta.checkProxy=false if this node cannot reach it)\n`,
    );
  });

  it('--dry-run runs the same checks: the PING-only user fails it with 69 before any backend is started', async () => {
    const { dir } = sessionDir();
    const pidFile = join(dir, 'backend.pid');
    const finished = await carta(dir, ['--folder', 'images', '--session-id', 'dry', '--dry-run'], {
      CARTA_PROXY_BASE_URL: 'https://viewer.example.org',
      CARTA_CHECK_PROXY: 'false',
      CARTA_REDIS_URL: urlOf('pinger', 'ping-only-Pf19'),
      CARTA_EMULATOR_PIDFILE: pidFile,
    });
    expect(finished.code).toBe(69);
    expect(finished.stderr.split('\n')[0]).toMatch(/^carta-envoy: Redis at .* refuses the route keys under traefik\/ to the envoy's user: NOPERM/);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('the CAPO file and line of a setting are shown', async () => {
    const capo = tempDir('carta-check-capo-');
    writeFileSync(join(capo, 'site.properties'), 'envoys.carta.proxyBaseUrl = https://viewer.example.org\nenvoys.carta.checkProxy: false\n');
    const finished = await carta(tempDir('carta-check-'), ['--check'], { CAPO_PATH: capo, CAPO_PROFILE: 'site' });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(`  envoys.carta.checkProxy = false  (CAPO ${join(capo, 'site.properties')}:2)`);
    expect(finished.stdout).toMatch(/INFO .*CAPO profile site: read .*site\.properties/);
  });
});
