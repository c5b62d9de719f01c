import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freeLoopbackPort, readJson, startRedis, tempDir, waitFor, workspaceRoot, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import { expectBackendGone, failureLine, report, sessionDir, startSession, traefikKeys } from './support/session';

// What the envoy hands the backend from its settings and the job's slot, as the backend itself reports it
// (its "Listening on port ..." line, kept in the envoy's output log), and readiness that needs the real page.
const NO_SLOT = { OMP_NUM_THREADS: undefined, SLURM_CPUS_PER_TASK: undefined, SLURM_CPUS_ON_NODE: undefined, _CONDOR_MACHINE_AD: undefined };

describe('carta-envoy: the backend under control', () => {
  let redis: RedisServer;
  let workflow: NotificationEndpoint;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    redis = await startRedis();
    workflow = await startNotificationEndpoint();
    env = { CARTA_REDIS_URL: redis.url, CARTA_NOTIFY_URL: workflow.url, CARTA_TIMEOUT_MINUTES: '0.03', ENVOY_GRACE_SECONDS: '5', ...NO_SLOT };
  });
  afterAll(async () => {
    await redis?.stop();
    await workflow?.close();
  });

  /** One whole session; resolves with what the backend said about its threads and the command line it got. */
  async function threadsOf(id: string, slot: Record<string, string>, args: string[] = []) {
    const { dir } = sessionDir();
    const session = startSession(dir, ['--folder', 'images', '--session-id', id, ...args], { ...env, ...slot });
    const finished = await session.finished;
    expect([id, finished.code, finished.stderr.slice(-500)]).toEqual([id, 0, expect.any(String)]);
    const said = /Listening on port \d+ with .*?(?:, and (\d+) OpenMP worker threads|(The number of OpenMP worker threads will be handled automatically))/.exec(
      readFileSync(join(dir, 'carta-envoy.folder.out.log'), 'utf8'),
    );
    const argv = report(dir).launch?.argv ?? [];
    return { threads: said?.[1] ?? said?.[2], ompOptions: argv.filter((word) => word === '--omp_threads').length, argv };
  }

  it("OpenMP threads: the setting, else HTCondor's OMP_NUM_THREADS or machine ad Cpus, else Slurm's CPUs per task, else on the node; none: the backend decides", async () => {
    const machineAd = join(tempDir('condor-'), '.machine.ad');
    writeFileSync(machineAd, 'Arch = "X86_64"\nCpus = 5\nMemory = 4096\n');
    const results = await Promise.all([
      threadsOf('omp-setting', { SLURM_CPUS_PER_TASK: '4', OMP_NUM_THREADS: '2' }, ['--set', 'envoys.carta.ompThreads=3']),
      threadsOf('omp-condor-env', { OMP_NUM_THREADS: '2', _CONDOR_MACHINE_AD: machineAd }),
      threadsOf('omp-condor-ad', { _CONDOR_MACHINE_AD: machineAd, SLURM_CPUS_ON_NODE: '16' }),
      threadsOf('omp-slurm-task', { SLURM_CPUS_PER_TASK: '4', SLURM_CPUS_ON_NODE: '16' }),
      threadsOf('omp-slurm-node', { SLURM_CPUS_ON_NODE: '6' }),
      threadsOf('omp-none', {}),
    ]);
    expect(results.map((r) => r.threads)).toEqual(['3', '2', '5', '4', '6', 'The number of OpenMP worker threads will be handled automatically']);
    expect(results.map((r) => r.ompOptions)).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('backendArgs and frontendFolder reach the backend: its threads from backendArgs win over the slot, its page from the folder given', async () => {
    const frontend = join(tempDir('carta-frontend-'), 'site-frontend');
    cpSync(join(workspaceRoot, 'tools/emulators/carta/share/carta/frontend'), frontend, { recursive: true });
    writeFileSync(join(frontend, 'index.html'), '<!doctype html><title>site frontend 7f3a</title>\n');
    const { dir } = sessionDir();
    const id = 'extra-args';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
      ...env,
      CARTA_TIMEOUT_MINUTES: '1',
      SLURM_CPUS_PER_TASK: '4',
      CARTA_FRONTEND_FOLDER: frontend,
      CARTA_BACKEND_ARGS: ' --omp_threads 7   --read_only_mode ',
    });
    try {
      await workflow.next('carta-ready', id);
      const statusFile = join(dir, 'carta-envoy-status.json');
      const backendUrl = () => (existsSync(statusFile) ? readJson<{ session?: { state?: string; backendUrl?: string } }>(statusFile).session : undefined);
      await waitFor(() => backendUrl()?.state === 'ready', 15_000, 'the session ready in the status');
      const page = await fetch(`${backendUrl()?.backendUrl ?? 'http://invalid/'}carta/${id}/`);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('site frontend 7f3a')]);
    } finally {
      session.process.kill('SIGTERM');
    }
    const finished = await session.finished;
    expect(finished.code).toBe(143);
    const argv = report(dir).launch?.argv ?? [];
    expect(argv.filter((word) => word === '--omp_threads')).toHaveLength(1);
    expect(argv.slice(argv.indexOf('--frontend_folder'), argv.indexOf('--frontend_folder') + 4)).toEqual(['--frontend_folder', frontend, '--omp_threads', '7']);
    expect(argv).toContain('--read_only_mode');
    expect(readFileSync(join(dir, 'carta-envoy.folder.out.log'), 'utf8')).toMatch(/Listening on port \d+ .*, and 7 OpenMP worker threads/);
  });

  it('a backend without its frontend files is not ready (its page answers 404): exit 69 saying so, no route written, the backend stopped', async () => {
    const empty = tempDir('carta-no-frontend-');
    mkdirSync(join(empty, 'frontend'));
    const { dir } = sessionDir();
    const id = 'no-frontend';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id, '--set', `envoys.carta.frontendFolder=${join(empty, 'frontend')}`], { ...env, CARTA_TIMEOUT_MINUTES: '1' });
    const finished = await session.finished;
    expect(finished.code).toBe(69);
    expect(failureLine(finished)).toBe(
      `carta-envoy: CARTA backend cannot serve its page: Could not find CARTA frontend files in directory ${join(empty, 'frontend')}. (set envoys.carta.frontendFolder)`,
    );
    expect(await traefikKeys(redis)).not.toEqual(expect.arrayContaining([expect.stringContaining(`carta-${id}/`)]));
    expect(workflow.received.filter((n) => n.sessionId === id && n.event === 'carta-ready')).toEqual([]);
    expectBackendGone(session);
  });
  it('no free port in envoys.carta.backendPorts: exit 69 naming the range, whether the backend then exits 0 (as the real one) or not; no route written', async () => {
    const holder = createServer();
    const busy = await freeLoopbackPort();
    // On every interface, as the backend binds: the port is taken for it.
    await new Promise<void>((resolve) => holder.listen(busy, '0.0.0.0', resolve));
    try {
      const outcomes = await Promise.all(
        ['0', '1'].map(async (status) => {
          const { dir } = sessionDir();
          const id = `busy-${status}`;
          const session = startSession(dir, ['--folder', 'images', '--session-id', id], { ...env, CARTA_BACKEND_PORTS: String(busy), CARTA_EMULATOR_BUSY_PORT_STATUS: status });
          const finished = await session.finished;
          return [finished.code, failureLine(finished), workflow.received.filter((n) => n.sessionId === id && n.event === 'carta-ready').length];
        }),
      );
      const line = `carta-envoy: CARTA backend found no free port: it said "Could not listen on port ${busy}!" (envoys.carta.backendPorts ${busy}-${busy})`;
      expect(outcomes).toEqual([
        [69, line, 0],
        [69, line, 0],
      ]);
      expect((await traefikKeys(redis)).filter((key) => key.includes('/carta-busy-'))).toEqual([]);
    } finally {
      holder.close();
    }
  });
  it("the user's own CARTA files stay out: their ~/.carta/backend.json is not obeyed, no ~/.carta/log is written; without HOME the backend gets the run's directory", async () => {
    const home = tempDir('carta-user-home-');
    mkdirSync(join(home, '.carta'));
    writeFileSync(join(home, '.carta', 'backend.json'), JSON.stringify({ omp_threads: 9, exit_timeout: 1, top_level_folder: '/' }));
    const withHome = threadsOf('own-files', { HOME: home, SLURM_CPUS_PER_TASK: '2' });
    const { dir } = sessionDir();
    const homeless = startSession(dir, ['--folder', 'images', '--session-id', 'no-home'], { ...env, HOME: undefined });
    expect((await withHome).threads).toBe('2');
    expect(existsSync(join(home, '.carta', 'log'))).toBe(false);
    const finished = await homeless.finished;
    expect(finished.code).toBe(0);
    expect(finished.stdout + finished.stderr).toContain(`HOME is not set: the backend gets ${dir}`);
    expect(report(dir).launch?.env['HOME']).toBe(dir);
  });
});
