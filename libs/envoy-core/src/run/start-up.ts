import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { EnvoyError, ExitCode } from '../errors';
import { createLogger, type Logger, type LogLevel } from '../log/logger';
import { DirectoryLease, type NotOwnerError } from '../ownership/lease';
import { durationMs, loadSettings, type Settings } from '../settings';
import { COMMON_SETTINGS } from './definition';
import type { RunScope, StartedRun } from './scope';

/** The run's settings (CONTRACT 3.6); their secrets are redacted from everything the run writes from now on. */
export async function loadRunSettings(run: RunScope): Promise<Settings> {
  const settings = await loadSettings([...COMMON_SETTINGS, ...run.definition.settings], {
    env: run.env,
    homeDir: homedir(),
    commandLine: run.commandLine.settings,
  });
  for (const secret of settings.secrets()) run.redactor.add(secret);
  return settings;
}

/** The run's logger, through the progress line when there is one. */
export function openLogger(run: RunScope, settings: Settings): Promise<Logger> {
  return createLogger({
    envoy: run.envoy,
    format: run.commandLine.logFormat,
    redactor: run.redactor,
    env: run.env,
    // Checked when the settings were loaded (its declaration's check).
    level: settings.string('envoys.logLevel') as LogLevel,
    stream: run.observers.loggerStream(),
  });
}

/** The first lines of every run: what runs where, and which CAPO files its settings came from. */
export function announce(run: StartedRun): void {
  const { commandLine, logger, settings } = run;
  logger.info(`${run.envoy} ${run.definition.cli.version} ${commandLine.mode}${commandLine.dryRun ? ' (dry run)' : ''}`, { dir: run.workDir });
  // A site's file silently skipped is visible.
  const { profile, dirs } = settings.capo();
  const log = logger.child('settings');
  if (profile === undefined) {
    log.info('no CAPO profile (CAPO_PROFILE is not set): settings from the environment, the command line and defaults');
    return;
  }
  log.info(`CAPO profile ${profile}: read ${settings.filesRead().join(', ')}`, { path: dirs.join(':') });
}

/**
 * One owner per processing directory (or the directory of envoys.leaseDirectory): refused with 75 while
 * another live run holds it; a run that later finds its lease taken over stops as on a stop signal.
 */
export class Ownership {
  private lease: DirectoryLease | undefined;
  private notOwner: NotOwnerError | undefined;

  /** Refused the directory, or lost it during the run: the run then writes nothing more there. */
  get lost(): NotOwnerError | undefined {
    return this.notOwner;
  }

  async take(run: StartedRun): Promise<void> {
    const { settings, logger, signals } = run;
    const configured = settings.optionalString('envoys.leaseDirectory');
    const log = logger.child('lease');
    try {
      this.lease = await DirectoryLease.acquire({
        dir: configured ? resolve(run.cwd, configured) : run.workDir,
        envoy: run.envoy,
        runId: run.runId,
        leaseMs: durationMs(settings, 'envoys.leaseSeconds', 'seconds') ?? 60_000,
        env: run.env,
        signal: signals.abortSignal,
        log: (level, message) => log[level](message),
        onLost: (error) => {
          this.notOwner = error;
          log.error(error.message);
          signals.stopFor(error);
        },
      });
    } catch (error) {
      if (error instanceof EnvoyError && error.exitCode === ExitCode.NotOwner) this.notOwner = error as NotOwnerError;
      throw error;
    }
  }

  /**
   * A run that was cut off (a frozen node) may have finished while another took its directory over: it must
   * not report a success that would be staged over the new owner's results.
   */
  async confirm(): Promise<void> {
    if (this.lease && !(await this.lease.stillOurs())) throw this.notOwner;
  }

  async release(): Promise<void> {
    await this.lease?.release();
  }
}
