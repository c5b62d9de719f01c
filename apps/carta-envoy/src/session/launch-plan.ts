import { existsSync, statSync } from 'node:fs';
import type { EnvoyContext, LaunchPlan } from '@envoys/envoy-core';
import { sessionPrefix } from './routes';
import type { SessionState } from './state';

/** The backend's environment beyond the envoy's own: the token, and a HOME that exists (CARTA reads it at start). */
function backendEnv(context: EnvoyContext, session: SessionState): Record<string, string> {
  const env: Record<string, string> = { CARTA_AUTH_TOKEN: session.token };
  const home = context.env['HOME'];
  if (!home || !existsSync(home) || !statSync(home).isDirectory()) {
    context.logger.child('launch').warn(`HOME ${home ? `${home} does not exist` : 'is not set'}: the backend gets ${context.workDir}`);
    env['HOME'] = context.workDir;
  }
  return env;
}

/** The backend's launch (CONTRACT 6.3 step 3); from here on, outside a dry run, the session exists. */
export function backendLaunchPlan(context: EnvoyContext, session: SessionState): LaunchPlan {
  const { target, backend } = session;
  if (!target || !backend) throw new Error('the setup steps have not run');
  const config = session.config;
  const { low, high } = config.backendPorts;
  const option = (name: string, value: number | string | undefined) => (value === undefined ? [] : [name, String(value)]);
  session.launched = !context.dryRun;
  if (session.launched) session.phase = 'starting';
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
      sessionPrefix(session.sessionId),
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
    env: backendEnv(context, session),
    // CARTA's backend shuts down cleanly on SIGINT, also when the envoy itself got SIGTERM (CONTRACT 6.3 step 8).
    stopSignal: 'SIGINT',
    onOutput: session.output.take,
  };
}
