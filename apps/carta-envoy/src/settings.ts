import { readFileSync } from 'node:fs';
import { durationMs, InvalidInputError, type SettingSpec, type Settings } from '@envoys/envoy-core';

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days): every duration here stays below that.
const MAX_MINUTES = 35_000;

/** carta-envoy's settings (CONTRACT 6.2, plus the two an operator needs to tune the ends of a session). */
export const CARTA_SETTINGS: readonly SettingSpec[] = [
  { key: 'envoys.carta.backend', env: 'CARTA_BACKEND', type: 'path', default: 'carta_backend', description: 'the CARTA backend executable' },
  { key: 'envoys.carta.timeoutMinutes', env: 'CARTA_TIMEOUT_MINUTES', type: 'number', min: 0, max: MAX_MINUTES, default: 60, description: 'session lifetime, minutes' },
  { key: 'envoys.carta.readyTimeoutSeconds', type: 'number', min: 0, max: 86_400, default: 60, description: 'how long the backend may take to answer' },
  { key: 'envoys.carta.redisUrl', env: 'CARTA_REDIS_URL', type: 'url', protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379', secret: false, description: 'the Redis that Traefik reads' },
  { key: 'envoys.carta.proxyBaseUrl', env: 'CARTA_PROXY_BASE_URL', type: 'url', protocols: ['http:', 'https:'], description: 'public base URL of the reverse proxy' },
  { key: 'envoys.carta.notifyUrl', env: 'CARTA_NOTIFY_URL', type: 'url', protocols: ['http:', 'https:'], description: 'endpoint of the workflow system for session events' },
  { key: 'envoys.carta.host', type: 'string', description: "host name the proxy uses to reach the backend (default: the node's FQDN)" },
  {
    key: 'envoys.carta.idleTimeoutSeconds',
    env: 'CARTA_IDLE_TIMEOUT_SECONDS',
    type: 'number',
    min: 1,
    max: MAX_MINUTES * 60,
    description: "passed to the backend as --idle_timeout: it closes a browser tab's connection after this long without use (the session goes on; default: not passed)",
  },
  {
    key: 'envoys.carta.initialTimeoutSeconds',
    env: 'CARTA_INITIAL_TIMEOUT_SECONDS',
    type: 'number',
    min: 1,
    max: MAX_MINUTES * 60,
    default: 900,
    description: 'the session ends when nobody has opened it this long after it started (the backend\'s --initial_timeout)',
  },
  {
    key: 'envoys.carta.exitTimeoutSeconds',
    env: 'CARTA_EXIT_TIMEOUT_SECONDS',
    type: 'number',
    min: 0,
    max: MAX_MINUTES * 60,
    default: 300,
    description: "the session ends this long after the last browser tab left (the backend's --exit_timeout)",
  },
  { key: 'envoys.carta.proxyHost', env: 'CARTA_PROXY_HOST', type: 'string', description: "the route's Host() rule (default: the host of proxyBaseUrl; empty: no Host() rule)" },
  { key: 'envoys.carta.entrypoints', env: 'CARTA_ENTRYPOINTS', type: 'string', default: 'websecure', description: "Traefik entry points that serve the route, comma-separated" },
  { key: 'envoys.carta.routerPriority', env: 'CARTA_ROUTER_PRIORITY', type: 'integer', min: 1, max: 1_000_000_000, default: 100_000, description: "the router's priority, above the site's own routers" },
  { key: 'envoys.carta.rootKey', env: 'CARTA_ROOT_KEY', type: 'string', default: 'traefik', description: "the Redis provider's root key (Traefik's providers.redis.rootKey)" },
  { key: 'envoys.carta.backendPorts', env: 'CARTA_BACKEND_PORTS', type: 'string', default: '3003-3500', description: 'the ports the backend may listen on, LOW-HIGH (the range the firewall opens to the proxy)' },
  { key: 'envoys.carta.checkProxy', env: 'CARTA_CHECK_PROXY', type: 'boolean', default: true, description: 'check through proxyBaseUrl that the route reaches this backend before announcing it' },
  { key: 'envoys.carta.proxyCheckSeconds', type: 'number', min: 1, max: 600, default: 10, description: 'how long the route may take to appear in the proxy' },
  { key: 'envoys.carta.ompThreads', env: 'CARTA_OMP_THREADS', type: 'integer', min: 1, max: 4096, description: "the backend's OpenMP threads (default: the job slot's CPUs: OMP_NUM_THREADS, the Cpus of HTCondor's _CONDOR_MACHINE_AD, SLURM_CPUS_PER_TASK, SLURM_CPUS_ON_NODE; not passed when backendArgs gives --omp_threads)" },
  { key: 'envoys.carta.frontendFolder', env: 'CARTA_FRONTEND_FOLDER', type: 'path', description: "the CARTA frontend's files (the backend's --frontend_folder; default: the backend's own)" },
  { key: 'envoys.carta.backendArgs', env: 'CARTA_BACKEND_ARGS', type: 'string', description: 'more backend options, separated by spaces (e.g. --read_only_mode)' },
  {
    key: 'envoys.carta.teardownSeconds',
    env: 'CARTA_TEARDOWN_SECONDS',
    type: 'number',
    min: 0,
    max: 3600,
    default: 20,
    description: 'how long teardown keeps retrying an unreachable Redis to remove the routes',
  },
];

/** The settings of one session, read and checked once (a missing proxy base URL is exit 65 naming the key). */
export interface SessionSettings {
  readonly backend: string;
  readonly lifetimeMs: number;
  readonly readyTimeoutMs: number;
  readonly redisUrl: string;
  /** Without trailing slashes, so `${proxyBaseUrl}/carta/<ID>/` never has a double slash. */
  readonly proxyBaseUrl: string;
  readonly notifyUrl: string | undefined;
  readonly host: string | undefined;
  readonly idleTimeoutSeconds: number | undefined;
  readonly initialTimeoutSeconds: number;
  readonly exitTimeoutSeconds: number;
  /** The Host() of the route's rule; undefined: none. */
  readonly proxyHost: string | undefined;
  readonly entrypoints: readonly string[];
  readonly routerPriority: number;
  readonly rootKey: string;
  readonly backendPorts: { readonly low: number; readonly high: number };
  readonly checkProxy: boolean;
  readonly proxyCheckMs: number;
  readonly ompThreads: number | undefined;
  readonly frontendFolder: string | undefined;
  readonly backendArgs: readonly string[];
  readonly teardownMs: number;
  readonly graceMs: number;
}

/** `LOW-HIGH` or one port; anything else is exit 65 naming the setting. */
function portRange(text: string): { low: number; high: number } {
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  const low = Number(match?.[1]);
  const high = Number(match?.[2] ?? match?.[1]);
  if (!match || low < 1 || high > 65535 || low > high) {
    throw new InvalidInputError(`setting envoys.carta.backendPorts = "${text}" is not a port range LOW-HIGH within 1-65535`);
  }
  return { low, high };
}

const WHOLE = /^[1-9]\d{0,3}$/;

/** The slot's CPUs from HTCondor's machine ad (`Cpus = N` in the file _CONDOR_MACHINE_AD names), if readable. */
function machineAdCpus(file: string | undefined): number | undefined {
  if (!file) return undefined;
  try {
    const value = /^Cpus\s*=\s*(\S+)\s*$/m.exec(readFileSync(file, 'utf8').slice(0, 1_000_000))?.[1] ?? '';
    return WHOLE.test(value) ? Number(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The job slot's CPUs from the batch system's environment, if it gives them. HTCondor sets OMP_NUM_THREADS
 * to the slot's CPUs (STARTER_NUM_THREADS_ENV_VARS) and writes them as `Cpus` into its machine ad; Slurm names
 * the job's CPUs per task, else the CPUs it gave the job on this node.
 */
function cpuCount(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const variable = (name: string) => {
    const value = env[name]?.trim() ?? '';
    return WHOLE.test(value) ? Number(value) : undefined;
  };
  return variable('OMP_NUM_THREADS') ?? machineAdCpus(env['_CONDOR_MACHINE_AD']) ?? variable('SLURM_CPUS_PER_TASK') ?? variable('SLURM_CPUS_ON_NODE');
}

export function sessionSettings(settings: Settings, env: Readonly<Record<string, string | undefined>> = {}): SessionSettings {
  const idle = settings.optionalNumber('envoys.carta.idleTimeoutSeconds');
  const host = settings.optionalString('envoys.carta.host')?.trim();
  const proxyBaseUrl = settings.string('envoys.carta.proxyBaseUrl').replace(/\/+$/, '');
  const proxyHost = (settings.optionalString('envoys.carta.proxyHost') ?? new URL(proxyBaseUrl).hostname).trim();
  if (proxyHost !== '' && !/^[A-Za-z0-9.-]+$/.test(proxyHost)) {
    throw new InvalidInputError(`setting envoys.carta.proxyHost = "${proxyHost}" is not a host name`);
  }
  const entrypoints = settings
    .string('envoys.carta.entrypoints')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (entrypoints.length === 0 || entrypoints.some((name) => !/^[A-Za-z0-9_-]+$/.test(name))) {
    throw new InvalidInputError(`setting envoys.carta.entrypoints = "${settings.string('envoys.carta.entrypoints')}" must name one or more entry points (letters, digits, - and _), comma-separated`);
  }
  const rootKey = settings.string('envoys.carta.rootKey').trim().replace(/\/+$/, '');
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(rootKey)) throw new InvalidInputError(`setting envoys.carta.rootKey = "${rootKey}" is not a Redis key prefix`);
  return {
    backend: settings.string('envoys.carta.backend'),
    lifetimeMs: durationMs(settings, 'envoys.carta.timeoutMinutes', 'minutes') ?? 3_600_000,
    readyTimeoutMs: durationMs(settings, 'envoys.carta.readyTimeoutSeconds', 'seconds') ?? 60_000,
    redisUrl: settings.string('envoys.carta.redisUrl'),
    proxyBaseUrl,
    notifyUrl: settings.optionalString('envoys.carta.notifyUrl'),
    host: host === '' ? undefined : host,
    // CARTA takes whole seconds; rounding up never ends a session earlier than asked.
    idleTimeoutSeconds: idle === undefined ? undefined : Math.ceil(idle),
    initialTimeoutSeconds: Math.ceil(settings.number('envoys.carta.initialTimeoutSeconds')),
    exitTimeoutSeconds: Math.ceil(settings.number('envoys.carta.exitTimeoutSeconds')),
    proxyHost: proxyHost === '' ? undefined : proxyHost,
    entrypoints,
    routerPriority: settings.number('envoys.carta.routerPriority'),
    rootKey,
    backendPorts: portRange(settings.string('envoys.carta.backendPorts')),
    checkProxy: settings.boolean('envoys.carta.checkProxy'),
    proxyCheckMs: (durationMs(settings, 'envoys.carta.proxyCheckSeconds', 'seconds') ?? 10_000),
    ompThreads: settings.optionalNumber('envoys.carta.ompThreads') ?? cpuCount(env),
    frontendFolder: settings.optionalString('envoys.carta.frontendFolder'),
    backendArgs: (settings.optionalString('envoys.carta.backendArgs') ?? '').split(/\s+/).filter((word) => word !== ''),
    teardownMs: durationMs(settings, 'envoys.carta.teardownSeconds', 'seconds') ?? 20_000,
    graceMs: durationMs(settings, 'envoys.graceSeconds', 'seconds') ?? 30_000,
  };
}
