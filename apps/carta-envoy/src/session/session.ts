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
import { freePort, portTaken } from './port';
import { waitUntilReady } from './ready';
import { permanentRedisError, redisLocation, redisReason, withRedis } from './redis';
import { backendUrl, SessionRoutes, traefikRoutes, type Removal } from './routes';
import { settledWithin } from './timing';
import { newToken } from './token';

/** Checks the mode's argument (IMAGE or DIR) and says what the backend opens. */
export type TargetAudit = (given: string, cwd: string) => Promise<SessionTarget>;

/** Why the session ended, for the carta-ended notification and the report. */
type EndReason = 'lifetime' | 'backend-exited' | 'signal' | 'failure';

const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;
// Launches of the backend in one session when its port keeps being taken by other processes before it binds.
const MAX_LAUNCHES = 3;
// Routes outlive the session's end by this much at most when the envoy dies without its teardown.
const ROUTE_TTL_MARGIN_MS = 10 * 60 * 1000;

function describeExit(result: LaunchResult): string {
  return result.signal ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`;
}

/**
 * One CARTA session (SPEC 6.3), shared by --single and --folder: audit, backend, Redis and port as setup
 * steps; the backend as the launch; readiness, routes, the carta-ready notification and the lifetime while
 * it runs; routes removed and carta-ended posted at teardown, whatever happened before.
 */
export function cartaSession(context: EnvoyContext, argument: 'IMAGE' | 'DIR', audit: TargetAudit): Launcher {
  return new CartaSession(context, argument, audit);
}

class CartaSession implements Launcher {
  readonly steps: readonly SetupStep[];
  private readonly sessionId: string;
  private readonly token: string;
  private settings: SessionSettings | undefined;
  private target: SessionTarget | undefined;
  private backend: string | undefined;
  private port: number | undefined;
  private host: string | undefined;
  private routes: SessionRoutes | undefined;
  private expiresAt: Date | undefined;
  private launched = false;
  private launches = 0;
  /** The port another process took before the backend could bind it: the backend is launched again elsewhere. */
  private portLost: number | undefined;
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
    this.sessionId = id;
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
    return `${this.config.proxyBaseUrl}/carta/${this.sessionId}/`;
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
   * ends; the backend may end it earlier after `idleTimeoutSeconds` without a user.
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
        idleTimeoutSeconds: this.settings?.idleTimeoutSeconds,
      },
    });
    const expires = this.expiresAt?.getTime();
    if (state === 'ready' && expires !== undefined) {
      const secondsLeft = () => Math.max(0, Math.round((expires - Date.now()) / 1000));
      status.live('timeLeft', () => ({ seconds: secondsLeft(), until: this.expiresAt?.toISOString(), limit: 'lifetime', idleTimeoutSeconds: this.settings?.idleTimeoutSeconds }));
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
    this.settings = sessionSettings(this.context.settings);
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
    this.port = await freePort();
    this.host = this.config.host ?? (await nodeFqdn());
    this.routes = new SessionRoutes(this.config.redisUrl, traefikRoutes(this.sessionId, this.host, this.port), this.context.logger.child('routes'));
    this.recordSession();
    return `port ${this.port}; the proxy will reach the backend at ${backendUrl(this.host, this.port)}`;
  }

  /** The backend lost its port to another process before it could bind it: the same launch on a new port. */
  async relaunch(): Promise<LaunchPlan | undefined> {
    const lost = this.portLost;
    if (lost === undefined) return undefined;
    this.portLost = undefined;
    await this.pickPort();
    this.context.logger.child('port').warn(`port ${lost} was taken by another process before the backend could listen on it: launching it again on port ${this.port}`);
    return this.launchPlan();
  }

  launchPlan(): LaunchPlan {
    const { target, backend, port } = this;
    if (!target || !backend || port === undefined) throw new Error('the setup steps have not run');
    const idle = this.config.idleTimeoutSeconds;
    this.launched = !this.context.dryRun;
    this.launches += 1;
    if (this.launched) this.phase = 'starting';
    return {
      argv: [
        backend,
        '--no_browser',
        '--host',
        '0.0.0.0',
        '--port',
        String(port),
        '--top_level_folder',
        target.topLevelFolder,
        ...(idle === undefined ? [] : ['--idle_timeout', String(idle)]),
        target.path,
      ],
      cwd: this.context.workDir,
      env: { CARTA_AUTH_TOKEN: this.token },
      // CARTA's backend shuts down cleanly on SIGINT, also when the envoy itself got SIGTERM (SPEC 6.3 step 8).
      stopSignal: 'SIGINT',
    };
  }

  async whileRunning(running: RunningProcess): Promise<void> {
    const { port, routes } = this;
    if (port === undefined || !routes) throw new Error('the setup steps have not run');
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
    try {
      const log = this.context.logger.child('ready');
      const ready = await waitUntilReady(port, this.config.readyTimeoutMs, ended.signal);
      if (!ready) {
        if (this.context.signal.aborted) return this.end('signal');
        // The backend may have exited a moment ago, its result not yet delivered.
        const result = exited ?? (await settledWithin(running.result, 50));
        if (result && result.exitCode !== 0 && this.launches < MAX_LAUNCHES && (await portTaken(port))) {
          // freePort() closes its socket for the backend to bind: someone else bound it first. Not a failure
          // of the backend: relaunch() gives it another port.
          this.portLost = port;
          return;
        }
        if (result) throw new ExternalFailureError(`CARTA backend ${describeExit(result)} before it answered on port ${port}`);
        throw new ExternalFailureError(`CARTA backend did not answer on port ${port} within ${this.config.readyTimeoutMs / 1000} s (envoys.carta.readyTimeoutSeconds); it was stopped`);
      }
      log.info(`the backend answers on port ${port}`);

      // The lifetime counts from the moment the route exists: the user gets all of it.
      const deadline = Date.now() + this.config.lifetimeMs;
      this.expiresAt = new Date(deadline);
      if (ended.signal.aborted) return this.end(!this.context.signal.aborted && exited ? 'backend-exited' : 'signal');
      await routes.write(Math.ceil((deadline - Date.now() + this.config.graceMs + ROUTE_TTL_MARGIN_MS) / 1000), ended.signal);
      this.context.logger.child('routes').info(`routed ${this.publicUrl} to ${backendUrl(this.host ?? '', port)}`, { keys: routes.written.length });
      this.recordRoutes();
      this.recordSession();

      if (ended.signal.aborted) return this.end(!this.context.signal.aborted && exited ? 'backend-exited' : 'signal');
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
      this.end(!this.context.signal.aborted && exited ? 'backend-exited' : 'signal');
      if (exited) this.context.logger.child('lifetime').info(`the backend ${describeExit(exited)} by itself`);
    } finally {
      this.context.signal.removeEventListener('abort', onSignal);
    }
  }

  private end(reason: EndReason): void {
    this.endedBy = reason;
    this.phase = 'ended';
    this.recordSession();
  }

  /** SPEC 6.3 step 6: the only place the token leaves the envoy. Not delivered is exit 69. */
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
        sessionId: this.sessionId,
        url: `${this.publicUrl}?token=${this.token}`,
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
      { event: 'carta-ended', sessionId: this.sessionId, reason: this.endedBy, endedAt: new Date().toISOString() },
      { tries: 3, firstDelayMs: 250, attemptMs: 3000, deadline: Math.max(deadline, Date.now() + 1000) },
      log,
    );
    this.notifications.push(delivery);
    this.context.recordDetail('notifications', this.notifications);
    if (!delivery.delivered) log.warn(`the carta-ended notification was not delivered: ${delivery.error}`);
  }
}
