import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, bundlePath, readJson, start, tempDir, waitFor, workspaceRoot, type Finished, type RedisServer, type Started } from '@envoys/testing';

export const EMULATOR = join(workspaceRoot, 'tools/emulators/carta/bin/carta_backend');
export const PROXY = 'https://viewer.example.org';

/** The Traefik keys of a session with one entry point, in the order the envoy writes them (the service URL last). */
export function routeKeyNames(id: string): string[] {
  return [
    `traefik/http/routers/carta-${id}/rule`,
    `traefik/http/routers/carta-${id}/service`,
    `traefik/http/routers/carta-${id}/priority`,
    `traefik/http/routers/carta-${id}/entrypoints/0`,
    `traefik/http/services/carta-${id}/loadbalancer/servers/0/url`,
  ];
}

/** The values of a session's keys (null where absent). */
export async function routeValues(redis: RedisServer, id: string): Promise<(string | null)[]> {
  return (await redis.command('MGET', ...routeKeyNames(id))) as (string | null)[];
}

/** Every key under Traefik's root key. */
export async function traefikKeys(redis: RedisServer): Promise<string[]> {
  return ((await redis.command('KEYS', 'traefik/*')) as string[]).sort();
}

/** A working directory with a folder of images and a FITS file, as a user's session would have. */
export function sessionDir(): { dir: string; images: string; fits: string } {
  const dir = tempDir('carta-session-');
  const images = join(dir, 'images');
  mkdirSync(images);
  const fits = join(images, 'cube.fits');
  writeFileSync(fits, `SIMPLE  =                    T${' '.repeat(50)}`);
  return { dir, images, fits };
}

export interface SessionRun extends Started {
  readonly dir: string;
  readonly pidFile: string;
  /** The backend's PID (the emulator writes it at start). */
  backendPid(): number;
}

/** Starts the built carta-envoy in `dir`, with the emulator as backend and a PID file to find it by. */
export function startSession(
  dir: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
): SessionRun {
  const pidFile = join(dir, `backend-${Math.random().toString(36).slice(2)}.pid`);
  const run = start(bundlePath('carta-envoy'), [...args, '--set', 'envoys.carta.host=127.0.0.1'], {
    cwd: dir,
    // Without a proxy in front (PROXY does not resolve), the check through it is off; the Traefik tests turn it on.
    env: { CARTA_BACKEND: EMULATOR, CARTA_PROXY_BASE_URL: PROXY, CARTA_CHECK_PROXY: 'false', CARTA_EMULATOR_PIDFILE: pidFile, ...env },
  });
  return {
    ...run,
    dir,
    pidFile,
    backendPid: () => Number(readFileSync(pidFile, 'utf8').trim()),
  };
}

/** The token of a session, taken from its carta-ready URL. */
export function tokenOf(url: string | undefined): string {
  const token = new URL(url ?? 'http://invalid/').searchParams.get('token');
  if (!token) throw new Error(`no token in ${url}`);
  return token;
}

/** Secrets must appear nowhere the envoy writes: stdout, stderr, the report, the backend's output log. */
export function expectHidden(secrets: readonly string[], finished: Finished, dir: string, mode: string): void {
  const texts: Record<string, string> = { stdout: finished.stdout, stderr: finished.stderr };
  for (const name of ['carta-envoy-report.json', 'carta-envoy-report.html', 'carta-envoy-status.json', `carta-envoy.${mode}.out.log`]) {
    if (existsSync(join(dir, name))) texts[name] = readFileSync(join(dir, name), 'utf8');
  }
  for (const secret of secrets) {
    for (const [where, text] of Object.entries(texts)) expect([where, text.includes(secret)]).toEqual([where, false]);
  }
}

export interface SessionReport {
  startedAt: string;
  status: string;
  exitCode: number;
  signal?: string;
  error?: { message: string; details: string[] };
  launch?: { argv: string[]; env: Record<string, string>; stoppedBy: string | null; exitCode: number | null };
  steps: { name: string; status: string; detail: string; durationMs: number }[];
  details: {
    session?: { id: string; port: number; host: string; url: string; backendUrl: string; endedBy?: string; expiresAt?: string };
    routes?: { redis: string; written: string[]; removed: string[]; notRemoved: string[]; error?: string };
    notifications?: { event: string; delivered: boolean; attempts: number; error?: string }[];
  };
}

export function report(dir: string): SessionReport {
  return readJson<SessionReport>(join(dir, 'carta-envoy-report.json'));
}

/** The envoy exits only after its backend is gone: checked by the PID the emulator wrote. */
export function expectBackendGone(run: SessionRun): void {
  expect(existsSync(run.pidFile)).toBe(true);
  expect(alive(run.backendPid())).toBe(false);
}

/** Waits until the backend has written its PID (it has been launched). */
export function backendStarted(run: SessionRun, ms = 15_000): Promise<void> {
  return waitFor(() => existsSync(run.pidFile) && readFileSync(run.pidFile, 'utf8').trim() !== '', ms, 'the backend to start');
}

/** The first line the envoy prints on stderr about its failure. */
export function failureLine(finished: Finished): string {
  return finished.stderr.split('\n').find((line) => line.startsWith('carta-envoy: ')) ?? '';
}
