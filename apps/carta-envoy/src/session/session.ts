import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  ExternalFailureError,
  outputError,
  writeFileAtomic,
  exitStatusFindings,
  GaveUp,
  retry,
  step,
  UnavailableError,
  UsageError,
  type EnvoyContext,
  type Finding,
  type LaunchPlan,
  type LaunchResult,
  type Launcher,
  type RunningProcess,
  type SetupStep,
} from '@envoys/envoy-core';
import { sessionSettings, type SessionSettings } from '../settings';
import type { SessionTarget } from './audit';
import { findBackend } from './backend';
import { nodeFqdn } from './host';
import { untilLifetimeEnds } from './lifetime';
import { postEvent, type Delivery } from './notify';
import { BackendOutput } from './output';
import { pollUntil } from './ready';
import { permanentRedisError, redisLocation, redisReason, withRedis } from './redis';
import { backendUrl, SessionRoutes, sessionPrefix, traefikRoutes, type Removal } from './routes';
import { newToken } from './token';

/** Checks the mode's argument (IMAGE or DIR) and says what the backend opens. */
export type TargetAudit = (given: string, cwd: string) => Promise<SessionTarget>;

/** Why the session ended, for the carta-ended notification and the report. */
type EndReason = 'lifetime' | 'initial-timeout' | 'exit-timeout' | 'backend-exited' | 'signal' | 'failure';

const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;
// Routes outlive the session's end by this much at most when the envoy dies without its teardown.
const ROUTE_TTL_MARGIN_MS = 10 * 60 * 1000;

function describeExit(result: LaunchResult): string {
  return result.signal ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`;
}

/**
 * One CARTA session (CONTRACT 6.3), shared by --single and --folder: audit, backend, Redis and port as setup
 * steps; the backend as the launch; readiness, routes, the carta-ready notification and the lifetime while
 * it runs; routes removed and carta-ended posted at teardown, whatever happened before.
 */
export function cartaSession(context: EnvoyContext, argument: 'IMAGE' | 'DIR', audit: TargetAudit): Launcher {
  return new CartaSession(context, argument, audit);
}

class CartaSession implements Launcher {
  readonly steps: readonly SetupStep[];
  /** The ID in routes and URL: lower case, because Traefik's keys are case-insensitive (`Ab` and `ab` are one router). */
  private readonly sessionId: string;
  /** The ID as the workflow system gave it, in the notifications. */
  private readonly requestedId: string;
  private readonly token: string;
  private readonly output = new BackendOutput();
  private settings: SessionSettings | undefined;
  private target: SessionTarget | undefined;
  private backend: string | undefined;
  private port: number | undefined;
  private host: string | undefined;
  private routes: SessionRoutes | undefined;
  private expiresAt: Date | undefined;
  private launched = false;
  private endedBy: EndReason = 'failure';
  /** What the live status says of the session. */
  private phase: 'not started' | 'starting' | 'ready' | 'ended' = 'not started';
  private readonly notifications: Delivery[] = [];

  constructor(
    private readonly context: EnvoyContext,
    private readonly argument: 'IMAGE' | 'DIR',
    private readonly audit: TargetAudit,
  ) {
    const id = context.commandLine.options['--session-id'];
    if (typeof id !== 'string' || !SESSION_ID.test(id)) throw new UsageError('option --session-id: only letters, digits, - and _ are allowed');
    this.requestedId = id;
    this.sessionId = id.toLowerCase();
    // Secrets are registered before any step runs, so nothing printed from here on can carry them (the Redis
    // URL's password is registered by the runner, as every URL setting's).
    this.token = newToken(context.redactor);
    this.steps = [
      step('audit', () => this.auditInputs()),
      step('backend', () => this.findBackend()),
      step('redis', () => this.checkRedis()),
      step('port', () => this.pickPort()),
    ];
  }

  private get config(): SessionSettings {
    if (!this.settings) throw new Error('the audit step has not run');
    return this.settings;
  }

  /** The public URL without its token: what the report and the log may show. */
  private get publicUrl(): string {
    return `${this.config.proxyBaseUrl}${sessionPrefix(this.sessionId)}/`;
  }

  /** The URL the user gets: the token, and for --single the image (relative to the top-level folder, as CARTA names it). */
  private get userUrl(): string {
    const file = this.target?.file;
    return `${this.publicUrl}?token=${this.token}${file ? `&file=${encodeURIComponent(file)}` : ''}`;
  }

  private recordSession(): void {
    this.showSession();
    this.context.recordDetail('session', {
      id: this.sessionId,
      target: this.target?.path,
      topLevelFolder: this.target?.topLevelFolder,
      host: this.host,
      port: this.port,
      backendUrl: this.host && this.port ? backendUrl(this.host, this.port) : undefined,
      url: this.settings ? this.publicUrl : undefined,
      expiresAt: this.expiresAt?.toISOString(),
      endedBy: this.launched ? this.endedBy : undefined,
    });
  }

  /**
   * The session in the live status: what an operator needs to find it (the public URL without its token,
   * which is a secret, and the backend's address behind the proxy) and the time left before the lifetime
   * ends; the backend ends it earlier when nobody opens it (`initialTimeoutSeconds`) or the last browser left
   * (`exitTimeoutSeconds`).
   */
  private showSession(): void {
    const { status } = this.context;
    const state = this.phase;
    status.update({
      session: {
        id: this.sessionId,
        state,
        url: state === 'ready' ? this.publicUrl : undefined,
        backendUrl: this.host && this.port ? backendUrl(this.host, this.port) : undefined,
        expiresAt: this.expiresAt?.toISOString(),
        initialTimeoutSeconds: this.settings?.initialTimeoutSeconds,
        exitTimeoutSeconds: this.settings?.exitTimeoutSeconds,
      },
    });
    const expires = this.expiresAt?.getTime();
    if (state === 'ready' && expires !== undefined) {
      const secondsLeft = () => Math.max(0, Math.round((expires - Date.now()) / 1000));
      status.live('timeLeft', () => ({ seconds: secondsLeft(), until: this.expiresAt?.toISOString(), limit: 'lifetime', initialTimeoutSeconds: this.settings?.initialTimeoutSeconds, exitTimeoutSeconds: this.settings?.exitTimeoutSeconds }));
      status.progress(`session ${this.sessionId} ready, ${Math.ceil(secondsLeft() / 60)} min left`);
    } else {
      status.live('timeLeft', undefined);
      status.progress(undefined);
    }
  }

  private async auditInputs(): Promise<string> {
    const given = this.context.commandLine.args[this.argument] ?? '';
    this.target = await this.audit(given, this.context.workDir);
    for (const warning of this.target.warnings) this.context.logger.child('audit').warn(warning);
    this.settings = sessionSettings(this.context.settings, this.context.env);
    if (this.sessionId !== this.requestedId) {
      this.context.logger.child('audit').warn(`session ID ${this.requestedId} is routed as ${this.sessionId}: Traefik does not tell IDs apart by case`);
    }
    if (!this.settings.notifyUrl) {
      this.context.logger.child('audit').warn('envoys.carta.notifyUrl is not set: nobody will be told the session URL');
    }
    this.recordSession();
    return `${this.target.description}; top-level folder ${this.target.topLevelFolder}`;
  }

  private async findBackend(): Promise<string> {
    this.backend = await findBackend(this.config.backend, this.context.workDir, this.context.env['PATH']);
    return `CARTA backend ${this.backend}`;
  }

  private async checkRedis(): Promise<string> {
    const location = redisLocation(this.config.redisUrl);
    try {
      await retry(() => withRedis(this.config.redisUrl, 3000, (client) => client.ping()), {
        tries: 3,
        firstDelayMs: 250,
        signal: this.context.signal,
        permanent: permanentRedisError,
      });
    } catch (error) {
      const cause = error instanceof GaveUp ? error.lastError : error;
      throw new UnavailableError(`Redis at ${location} is unreachable: ${redisReason(cause)} (set envoys.carta.redisUrl or CARTA_REDIS_URL)`, [], { cause });
    }
    return `Redis at ${location} answers`;
  }

  private async pickPort(): Promise<string> {
    this.host = this.config.host ?? (await nodeFqdn());
    this.recordSession();
    const { low, high } = this.config.backendPorts;
    return `the backend picks a free port in ${low}-${high}; the proxy will reach it at ${this.host}`;
  }

  /** The backend's environment beyond the envoy's own: the token, and a HOME that exists (CARTA reads it at start). */
  private backendEnv(): Record<string, string> {
    const env: Record<string, string> = { CARTA_AUTH_TOKEN: this.token };
    const home = this.context.env['HOME'];
    if (!home || !existsSync(home) || !statSync(home).isDirectory()) {
      this.context.logger.child('launch').warn(`HOME ${home ? `${home} does not exist` : 'is not set'}: the backend gets ${this.context.workDir}`);
      env['HOME'] = this.context.workDir;
    }
    return env;
  }

  launchPlan(): LaunchPlan {
    const { target, backend } = this;
    if (!target || !backend) throw new Error('the setup steps have not run');
    const config = this.config;
    const { low, high } = config.backendPorts;
    const option = (name: string, value: number | string | undefined) => (value === undefined ? [] : [name, String(value)]);
    this.launched = !this.context.dryRun;
    if (this.launched) this.phase = 'starting';
    return {
      argv: [
        backend,
        '--no_browser',
        // The envoy keeps the backend's output; the user's and the system's settings files must not change the session.
        '--no_log',
        '--no_user_config',
        '--no_system_config',
        '--host',
        '0.0.0.0',
        '--port',
        low === high ? String(low) : `${low},${high}`,
        '--top_level_folder',
        target.topLevelFolder,
        '--http_url_prefix',
        sessionPrefix(this.sessionId),
        '--initial_timeout',
        String(config.initialTimeoutSeconds),
        '--exit_timeout',
        String(config.exitTimeoutSeconds),
        ...option('--idle_timeout', config.idleTimeoutSeconds),
        // Without --omp_threads the backend takes every core of the node, whatever OMP_NUM_THREADS says.
        ...(config.backendArgs.some((word) => /^(-t|--omp_threads)(=|$)/.test(word)) ? [] : option('--omp_threads', config.ompThreads)),
        ...option('--frontend_folder', config.frontendFolder),
        ...config.backendArgs,
        target.path,
      ],
      // The starting folder is the working directory unless a folder is given: it must lie in the top-level folder.
      cwd: target.topLevelFolder,
      env: this.backendEnv(),
      // CARTA's backend shuts down cleanly on SIGINT, also when the envoy itself got SIGTERM (CONTRACT 6.3 step 8).
      stopSignal: 'SIGINT',
      onOutput: this.output.take,
    };
  }

  async whileRunning(running: RunningProcess): Promise<void> {
    const { host } = this;
    if (host === undefined) throw new Error('the setup steps have not run');
    // `ended` aborts when the session can no longer go on: the backend exited or the envoy is being stopped.
    const ended = new AbortController();
    let exited: LaunchResult | undefined;
    running.result.then(
      (result) => {
        exited = result;
        ended.abort();
      },
      () => ended.abort(),
    );
    const onSignal = () => ended.abort();
    if (this.context.signal.aborted) ended.abort();
    this.context.signal.addEventListener('abort', onSignal, { once: true });
    const stoppedHow = (): EndReason => (this.context.signal.aborted || !exited ? 'signal' : this.exitReason());
    try {
      const port = await this.backendPort(ended.signal, () => exited);
      if (port === undefined) return this.end('signal');
      this.port = port;
      this.routes = new SessionRoutes(this.config.redisUrl, traefikRoutes(this.sessionId, host, port, this.routeOptions()), this.context.logger.child('routes'));
      this.recordSession();

      const page = await pollUntil(`http://127.0.0.1:${port}${sessionPrefix(this.sessionId)}/`, {
        accept: (status) => status === 200,
        // A backend that said it has no frontend files answers 404 for good: no reason to wait out the time-out.
        hopeless: (probe) => probe.status === 404 && this.output.noFrontend !== undefined,
        timeoutMs: this.config.readyTimeoutMs,
        stop: ended.signal,
      });
      if (!page.ok) {
        if (this.context.signal.aborted) return this.end('signal');
        if (exited) throw new ExternalFailureError(`CARTA backend ${describeExit(exited)} before it served its page on port ${port}`);
        if (this.output.noFrontend) throw new UnavailableError(`CARTA backend cannot serve its page: ${this.output.noFrontend} (set envoys.carta.frontendFolder)`);
        throw new ExternalFailureError(
          `CARTA backend did not serve its page on port ${port} within ${this.config.readyTimeoutMs / 1000} s (envoys.carta.readyTimeoutSeconds): it answered ${page.saw}; it was stopped`,
        );
      }
      this.context.logger.child('ready').info(`the backend serves its page on port ${port}`);

      // The lifetime counts from the moment the route exists: the user gets all of it.
      const deadline = Date.now() + this.config.lifetimeMs;
      this.expiresAt = new Date(deadline);
      if (ended.signal.aborted) return this.end(stoppedHow());
      const routes = this.routes;
      // Registered before the write: should the envoy be killed from here on, the watchdog removes the keys.
      this.context.atDeath(routes.atDeathPayload(this.sessionId, this.context.commandLine.logFormat));
      await routes.write(Math.ceil((deadline - Date.now() + this.config.graceMs + ROUTE_TTL_MARGIN_MS) / 1000), ended.signal);
      this.context.logger.child('routes').info(`routed ${this.publicUrl} to ${backendUrl(host, port)}`, { keys: routes.written.length });
      this.recordRoutes();
      this.recordSession();

      if (ended.signal.aborted) return this.end(stoppedHow());
      if (this.config.checkProxy) await this.checkProxy(ended.signal);
      if (ended.signal.aborted) return this.end(stoppedHow());
      await this.announce(ended.signal);
      if (!ended.signal.aborted) {
        this.phase = 'ready';
        this.recordSession();
      }

      if (await untilLifetimeEnds(deadline, ended.signal)) {
        this.end('lifetime');
        this.context.logger.child('lifetime').info(`the session's lifetime of ${this.config.lifetimeMs / 60000} minutes is over: stopping the backend`);
        await running.stop('lifetime');
        return;
      }
      this.end(stoppedHow());
      if (exited && !this.context.signal.aborted) this.context.logger.child('lifetime').info(`the backend ${describeExit(exited)} by itself (${this.describeReason(this.exitReason())})`);
    } finally {
      this.context.signal.removeEventListener('abort', onSignal);
    }
  }

  private routeOptions() {
    const { rootKey, proxyHost, entrypoints, routerPriority } = this.config;
    return { rootKey, proxyHost, entrypoints, priority: routerPriority };
  }

  /** Why a backend that exited by itself did: its own time-outs say so on its output. */
  private exitReason(): EndReason {
    if (!this.output.noSessionsTimeout) return 'backend-exited';
    return this.output.connected ? 'exit-timeout' : 'initial-timeout';
  }

  private describeReason(reason: EndReason): string {
    if (reason === 'initial-timeout') return `nobody opened the session within ${this.config.initialTimeoutSeconds} s (envoys.carta.initialTimeoutSeconds)`;
    if (reason === 'exit-timeout') return `the last browser left ${this.config.exitTimeoutSeconds} s before (envoys.carta.exitTimeoutSeconds)`;
    return 'its own decision';
  }

  /**
   * The port the backend really listens on, from its own output (it picks one in the range itself). A port
   * it could not bind is exit 69 whatever its exit status (the real backend exits 0 then); exiting before it
   * said is a backend failure (70); no word within the ready time-out too.
   */
  private async backendPort(stop: AbortSignal, exited: () => LaunchResult | undefined): Promise<number | undefined> {
    const timeout = AbortSignal.timeout(this.config.readyTimeoutMs);
    const either = new AbortController();
    const abort = () => either.abort();
    stop.addEventListener('abort', abort, { once: true });
    timeout.addEventListener('abort', abort, { once: true });
    if (stop.aborted) abort();
    try {
      await this.output.until(() => this.output.port !== undefined || this.output.bindFailure !== undefined, either.signal);
    } finally {
      stop.removeEventListener('abort', abort);
      timeout.removeEventListener('abort', abort);
    }
    const { low, high } = this.config.backendPorts;
    if (this.output.bindFailure) {
      throw new UnavailableError(`CARTA backend found no free port: it said "${this.output.bindFailure}" (envoys.carta.backendPorts ${low}-${high})`);
    }
    if (this.output.port !== undefined) return this.output.port;
    if (this.context.signal.aborted) return undefined;
    const result = exited();
    if (result) throw new ExternalFailureError(`CARTA backend ${describeExit(result)} before it listened on a port`);
    throw new ExternalFailureError(`CARTA backend did not say which port it listens on within ${this.config.readyTimeoutMs / 1000} s (envoys.carta.readyTimeoutSeconds); it was stopped`);
  }

  /**
   * The route must reach THIS backend through the proxy before anyone is told the URL: a Redis database
   * Traefik does not read, a proxy that is not watching, or a rule that shadows the route would otherwise
   * announce a dead link. Only this backend accepts the session's token on its database API.
   */
  private async checkProxy(stop: AbortSignal): Promise<void> {
    const url = `${this.publicUrl}api/database/preferences`;
    const probe = await pollUntil(url, {
      headers: { 'carta-auth-token': this.token },
      accept: (status, body) => status === 200 && body.includes('"success"'),
      timeoutMs: this.config.proxyCheckMs,
      stop,
    });
    if (probe.ok) {
      this.context.logger.child('proxy').info(`the proxy routes ${this.publicUrl} to this backend`);
      return;
    }
    if (stop.aborted) return;
    throw new UnavailableError(
      `the proxy does not route ${this.publicUrl} to this session's backend within ${this.config.proxyCheckMs / 1000} s (envoys.carta.proxyCheckSeconds): ${url} answered ${probe.saw}; check that Traefik reads ${redisLocation(this.config.redisUrl)} under root key ${this.config.rootKey}, serves entry points ${this.config.entrypoints.join(',')}, and that no router outranks priority ${this.config.routerPriority}`,
    );
  }

  private end(reason: EndReason): void {
    this.endedBy = reason;
    this.phase = 'ended';
    this.recordSession();
  }

  /** CONTRACT 6.3 step 6: the only place the token leaves the envoy. Not delivered is exit 69. */
  private async announce(ended: AbortSignal): Promise<void> {
    const { notifyUrl } = this.config;
    const log = this.context.logger.child('notify');
    const urlFile = this.context.commandLine.options['--url-file'];
    if (!notifyUrl) {
      if (typeof urlFile === 'string') {
        // For the person who started the session: only they (the file's owner) can read the token.
        const path = resolve(this.context.cwd, urlFile);
        await writeFileAtomic(path, `${this.publicUrl}?token=${this.token}\n`, 0o600).catch((error: unknown) => {
          throw outputError(error, `the session URL file ${path}`);
        });
        log.info(`session ready at ${this.publicUrl}: the URL with its token is in ${path} (mode 0600)`);
      } else {
        log.warn(`session ready at ${this.publicUrl} (no envoys.carta.notifyUrl: not announced; --url-file FILE hands the URL over)`);
      }
      return;
    }
    if (typeof urlFile === 'string') log.warn(`--url-file ${urlFile} not written: the URL goes to the workflow system (envoys.carta.notifyUrl)`);
    const delivery = await postEvent(
      notifyUrl,
      {
        event: 'carta-ready',
        sessionId: this.requestedId,
        url: this.userUrl,
        expiresAt: this.expiresAt?.toISOString(),
      },
      { tries: 5, firstDelayMs: 250, attemptMs: 5000, signal: ended },
      log,
    );
    this.notifications.push(delivery);
    this.context.recordDetail('notifications', this.notifications);
    if (delivery.delivered) {
      log.info(`session ready at ${this.publicUrl} until ${this.expiresAt?.toISOString()}`);
    } else if (!ended.aborted) {
      throw new UnavailableError(
        `the workflow system did not accept the carta-ready notification after ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}: ${delivery.error}`,
      );
    }
  }

  async verify(result: LaunchResult | undefined): Promise<readonly Finding[]> {
    if (!result) return [];
    if (result.stoppedBy === 'lifetime') {
      // The envoy ended the session as planned; how the backend took the stop signal does not change that.
      if (result.exitCode !== 0) this.context.logger.child('verify').warn(`the backend ${describeExit(result)} when the lifetime ended`);
      return [];
    }
    return exitStatusFindings(result, basename(this.backend ?? 'carta_backend'));
  }

  async teardown(): Promise<void> {
    // Before the audit passed nothing was started or written; a dry run writes nothing at all.
    if (this.context.dryRun || !this.settings) return;
    const { teardownMs, graceMs } = this.settings;
    const log = this.context.logger.child('teardown');
    // After a stop signal the runner gives teardown the grace period; finish inside it so the report is whole.
    const window = this.context.signal.aborted ? Math.min(teardownMs, Math.max(1000, graceMs - 2000)) : teardownMs;
    const deadline = Date.now() + window;
    const [removal] = await Promise.all([this.removeRoutes(deadline), this.announceEnd(deadline)]);
    this.recordSession();
    if (removal?.notRemoved.length) {
      log.error(`${removal.notRemoved.length} Traefik keys could not be removed from Redis (${removal.error}): ${removal.notRemoved.join(', ')}`);
      throw new UnavailableError(
        `could not remove the Traefik routes of session ${this.sessionId} from ${removal.error}; remove these keys by hand:`,
        removal.notRemoved,
      );
    }
  }

  private recordRoutes(removal?: Removal): void {
    this.context.recordDetail('routes', {
      redis: this.settings ? redisLocation(this.config.redisUrl) : undefined,
      written: this.routes?.written ?? [],
      removed: removal?.removed ?? [],
      notRemoved: removal ? removal.notRemoved : (this.routes?.written ?? []),
      ...(removal?.leftToOwner.length ? { leftToOwner: removal.leftToOwner } : {}),
      ...(removal?.error ? { error: removal.error } : {}),
    });
  }

  private async removeRoutes(deadline: number): Promise<Removal | undefined> {
    if (!this.routes || this.routes.written.length === 0) return undefined;
    // Recorded first: should the run be cut short here, the report still lists what is left in Redis.
    this.recordRoutes();
    const removal = await this.routes.remove(deadline);
    this.recordRoutes(removal);
    // Removed, or left to their new owner: nothing for the watchdog to do should the envoy die now.
    if (removal.notRemoved.length === 0) this.context.atDeath(undefined);
    if (removal.removed.length > 0) this.context.logger.child('teardown').info(`removed ${removal.removed.length} Traefik keys from Redis`);
    return removal;
  }

  /** Best effort: the session is over whatever the endpoint says. */
  private async announceEnd(deadline: number): Promise<void> {
    const notifyUrl = this.settings?.notifyUrl;
    // A session exists once its backend was launched; before that there is nothing to announce the end of.
    if (!this.launched || !notifyUrl) return;
    const log = this.context.logger.child('teardown');
    const delivery = await postEvent(
      notifyUrl,
      { event: 'carta-ended', sessionId: this.requestedId, reason: this.endedBy, endedAt: new Date().toISOString() },
      { tries: 3, firstDelayMs: 250, attemptMs: 3000, deadline: Math.max(deadline, Date.now() + 1000) },
      log,
    );
    this.notifications.push(delivery);
    this.context.recordDetail('notifications', this.notifications);
    if (!delivery.delivered) log.warn(`the carta-ended notification was not delivered: ${delivery.error}`);
  }
}
