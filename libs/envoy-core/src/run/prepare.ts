import { dirname, resolve } from 'node:path';
import { Watchdog } from '../process/watchdog';
import { launcherContext } from './context';
import type { EnvoyContext, Launcher } from './launcher';
import type { StartedRun } from './scope';
import type { Temporaries } from './temporaries';

/** What the prepare phase hands on: the mode's launcher, its context, and the watchdog of its launch. */
export interface Prepared {
  readonly launcher: Launcher;
  readonly context: EnvoyContext;
  readonly watchdog: Watchdog | undefined;
}

/**
 * Before the mode's steps: the temporaries dead runs left are removed, the mode's launcher made, and the
 * watchdog started (while the steps run, so that the launch does not wait for it to boot).
 */
export async function prepare(run: StartedRun, temporaries: Temporaries): Promise<Prepared> {
  const { commandLine, definition } = run;
  if (!commandLine.dryRun) {
    // A run killed outright (SIGKILL, a lost node) left its temporaries here: a rerun starts clean.
    await temporaries.removeStale(run.workDir);
    if (commandLine.report) await temporaries.removeStale(dirname(resolve(run.cwd, commandLine.report)));
  }
  const factory = definition.launchers[commandLine.mode];
  if (!factory) throw new Error(`no launcher for mode ${commandLine.mode}`);
  let watchdog: Watchdog | undefined;
  const context = launcherContext(run, temporaries, () => watchdog);
  const launcher = factory(context);
  if (!commandLine.dryRun && launcher.launchPlan && process.argv[1]) {
    watchdog = Watchdog.start(process.argv[1], run.envoy, commandLine.logFormat);
  }
  return { launcher, context, watchdog };
}
