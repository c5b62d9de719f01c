import type { Watchdog } from '../process/watchdog';
import type { EnvoyContext } from './launcher';
import type { StartedRun } from './scope';
import type { Temporaries } from './temporaries';

/** What a mode's launcher (and the preflight checks) get of the run: see EnvoyContext. */
export function launcherContext(run: StartedRun, temporaries: Temporaries, watchdog: () => Watchdog | undefined): EnvoyContext {
  const { commandLine, record } = run;
  return {
    envoy: run.envoy,
    version: run.definition.cli.version,
    mode: commandLine.mode,
    commandLine,
    settings: run.settings,
    logger: run.logger,
    redactor: run.redactor,
    dryRun: commandLine.dryRun,
    workDir: run.workDir,
    signal: run.signals.abortSignal,
    startedAt: run.startedAt,
    env: run.env,
    cwd: run.cwd,
    recordDetail: (key, value) => record.detail(key, value),
    recordNote: (text) => record.note(text),
    ...run.observers.hooks(),
    removeStaleTemporaries: (dir) => (commandLine.dryRun ? Promise.resolve() : temporaries.removeStale(dir)),
    atDeath: (payload) => watchdog()?.atDeath(payload),
  };
}
