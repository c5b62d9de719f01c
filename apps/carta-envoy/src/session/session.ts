import { basename } from 'node:path';
import {
  exitStatusFindings,
  type EnvoyContext,
  type Finding,
  type LaunchPlan,
  type LaunchResult,
  type Launcher,
  type RunningProcess,
  type SetupStep,
} from '@envoys/envoy-core';
import { announceReady } from './announce';
import { backendPort, servesPage } from './backend-ready';
import { describeExit, describeReason, exitReason, type EndReason } from './end-reason';
import { backendLaunchPlan } from './launch-plan';
import { untilLifetimeEnds } from './lifetime';
import { recordSession } from './live-status';
import { checkProxy, sessionRoutes, writeRoutes } from './publish';
import { sessionSteps, type TargetAudit } from './setup';
import { SessionState } from './state';
import { endSession } from './teardown';

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
  private readonly session: SessionState;

  constructor(
    private readonly context: EnvoyContext,
    argument: 'IMAGE' | 'DIR',
    audit: TargetAudit,
  ) {
    this.session = new SessionState(context);
    this.steps = sessionSteps(context, this.session, argument, audit);
  }

  launchPlan(): LaunchPlan {
    return backendLaunchPlan(this.context, this.session);
  }

  /** CONTRACT 6.3 steps 4-7: ready, routed, announced, then supervised until the session ends. */
  async whileRunning(running: RunningProcess): Promise<void> {
    const { context, session } = this;
    const { host } = session;
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
    if (context.signal.aborted) ended.abort();
    context.signal.addEventListener('abort', onSignal, { once: true });
    const stoppedHow = (): EndReason => (context.signal.aborted || !exited ? 'signal' : exitReason(session.output));
    try {
      const port = await backendPort(context, session, ended.signal, () => exited);
      if (port === undefined) return this.end('signal');
      session.port = port;
      const routes = sessionRoutes(context, session, host, port);
      session.routes = routes;
      recordSession(context, session);
      if (!(await servesPage(context, session, port, ended.signal, () => exited))) return this.end('signal');

      // The lifetime counts from the moment the route exists: the user gets all of it.
      const deadline = Date.now() + session.config.lifetimeMs;
      session.expiresAt = new Date(deadline);
      if (ended.signal.aborted) return this.end(stoppedHow());
      await writeRoutes(context, session, routes, { host, port }, deadline, ended.signal);

      if (ended.signal.aborted) return this.end(stoppedHow());
      if (session.config.checkProxy) await checkProxy(context, session, ended.signal);
      if (ended.signal.aborted) return this.end(stoppedHow());
      await announceReady(context, session, ended.signal);
      if (!ended.signal.aborted) {
        session.phase = 'ready';
        recordSession(context, session);
      }

      if (await untilLifetimeEnds(deadline, ended.signal)) {
        this.end('lifetime');
        context.logger.child('lifetime').info(`the session's lifetime of ${session.config.lifetimeMs / 60000} minutes is over: stopping the backend`);
        await running.stop('lifetime');
        return;
      }
      this.end(stoppedHow());
      if (exited && !context.signal.aborted) context.logger.child('lifetime').info(`the backend ${describeExit(exited)} by itself (${describeReason(exitReason(session.output), session.config)})`);
    } finally {
      context.signal.removeEventListener('abort', onSignal);
    }
  }

  private end(reason: EndReason): void {
    this.session.endedBy = reason;
    this.session.phase = 'ended';
    recordSession(this.context, this.session);
  }

  async verify(result: LaunchResult | undefined): Promise<readonly Finding[]> {
    if (!result) return [];
    if (result.stoppedBy === 'lifetime') {
      // The envoy ended the session as planned; how the backend took the stop signal does not change that.
      if (result.exitCode !== 0) this.context.logger.child('verify').warn(`the backend ${describeExit(result)} when the lifetime ended`);
      return [];
    }
    return exitStatusFindings(result, basename(this.session.backend ?? 'carta_backend'));
  }

  async teardown(): Promise<void> {
    await endSession(this.context, this.session);
  }
}
