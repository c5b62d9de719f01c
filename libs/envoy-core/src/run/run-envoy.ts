import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseCommandLine } from '../cli/parse';
import type { LogFormat, ParsedCommandLine } from '../cli/spec';
import { usage } from '../cli/usage';
import { EnvoyError, ExitCode, ExternalFailureError, InternalError, InterruptedError, TimedOutError, UsageError } from '../errors';
import { createLogger, type Logger, type LogLevel } from '../log/logger';
import type { LaunchPlan, LaunchResult } from '../process/launch-plan';
import { SignalHub } from '../process/signals';
import { STOP_POLICY } from '../process/stop-policy';
import { startSupervised } from '../process/supervise';
import { AT_DEATH_ARGUMENT, Watchdog } from '../process/watchdog';
import { Redactor } from '../redact/redactor';
import { oneLine } from '../report/one-line';
import { removeOwnTemporaries, removeStaleTemporaries } from '../files/stale-temporaries';
import { DirectoryLease, type NotOwnerError } from '../ownership/lease';
import type { Finding } from '../report/finding';
import { findingContextLines, findingSummary } from '../report/finding-text';
import type { EventsRecord, LaunchRecord, RunReport, StepRecord } from '../report/report';
import { runPagePath, writeRunPage } from '../report/run-page/write';
import { SCHEMA_VERSION } from '../report/schema-version';
import { writeReport } from '../report/write-report';
import { defaultOutputs, planOutputs, type OutputPaths } from '../report/outputs';
import { durationMs, loadSettings, type Settings } from '../settings';
import { COMMON_SETTINGS, type EnvoyDefinition } from './definition';
import { exitStatusFindings, stepPhase, type EnvoyContext, type Launcher } from './launcher';
import { RunObservation } from './observation';
import { shellQuote } from './shell-quote';
import { runChecks, type CheckResult, type PreflightCheck } from '../preflight/check';
import { eventsChecks } from '../preflight/events-check';
import { settingsTable } from '../preflight/settings-table';

export interface RunOptions {
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

// How long a step may go on after a stop signal before the envoy stops without it (CONTRACT 3.5: the envoy
// honours a stop signal at once; every step watches the abort signal and stops in milliseconds, removing
// what it was writing; this bounds one that does not, with room for a busy machine).
const STEP_STOP_MS = 2000;

function printFailure(envoy: string, error: EnvoyError, redactor: Redactor, format: LogFormat): void {
  // The first line says what failed and where; details follow, indented (CONTRACT 3.3). Each is one safe line:
  // values from inputs may hold control characters or be a megabyte long.
  // Redacted before escaping, so that a secret holding a control character is still found.
  const safe = (text: string): string => oneLine(redactor.redact(text));
  const details = error.details.flatMap((detail) => detail.split('\n'));
  if (format === 'json') {
    // A machine reading JSON lines gets the failure as one of them, on stderr as people get it.
    const line = { time: new Date().toISOString(), level: 'error', envoy, message: safe(error.message), exitCode: error.exitCode, details: details.map(safe) };
    process.stderr.write(JSON.stringify(line) + '\n');
    return;
  }
  process.stderr.write([`${envoy}: ${safe(error.message)}`, ...details.map((detail) => `  ${safe(detail)}`)].join('\n') + '\n');
}

function asEnvoyError(error: unknown): EnvoyError {
  if (error instanceof EnvoyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The stack's first line repeats the message: only the frames follow it.
  const frames = error instanceof Error && error.stack ? error.stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];
  return new InternalError(`internal error: ${message}`, frames, { cause: error });
}

/**
 * Runs one envoy invocation through the whole life cycle (CONTRACT 1): parse, setup, launch, verify, report.
 * Resolves with the exit status; the caller (main.ts) exits with it.
 */
export async function runEnvoy(definition: EnvoyDefinition, options: RunOptions = {}): Promise<number> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { cli } = definition;
  if (argv[0] === AT_DEATH_ARGUMENT && argv.length === 1 && definition.atDeath) {
    // Run by the watchdog after the envoy died: the payload comes on stdin.
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return definition.atDeath(Buffer.from(Buffer.concat(chunks).toString('utf8').trim(), 'base64').toString('utf8'));
  }
  let commandLine: ParsedCommandLine;
  try {
    const parsed = parseCommandLine({ ...cli, settings: [...COMMON_SETTINGS, ...definition.settings] }, argv);
    if (parsed.kind !== 'run') {
      process.stdout.write(parsed.text);
      return ExitCode.Success;
    }
    commandLine = parsed.parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${cli.envoy}: ${oneLine(error.message)}\n\n${usage(cli)}`);
    return ExitCode.Usage;
  }

  const workDir = resolve(cwd, definition.workDir(commandLine));
  const modeSpec = cli.modes.find((mode) => mode.flag === commandLine.modeFlag || mode.short === commandLine.modeFlag);
  const request = { envoy: cli.envoy, mode: commandLine.mode, workDir, cwd, report: commandLine.report, reviewsRun: modeSpec?.reviewsRun === true };
  let outputs: OutputPaths;
  try {
    // A dry run without --report writes nothing, so it has nothing to refuse.
    outputs = commandLine.dryRun && !commandLine.report ? defaultOutputs(request) : planOutputs(request);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // Nothing is written, not even a report: the report is what would have replaced the file.
    process.stderr.write(`${cli.envoy}: ${oneLine(error.message)}\n`);
    return ExitCode.Usage;
  }
  const run = new Run(definition, commandLine, argv, env, cwd, outputs);
  return run.execute();
}

class Run {
  private readonly startedAt = new Date();
  private readonly redactor = new Redactor();
  private readonly signals = new SignalHub();
  private readonly steps: StepRecord[] = [];
  private readonly findings: Finding[] = [];
  private readonly details: Record<string, unknown> = {};
  private readonly notes: string[] = [];
  private readonly workDir: string;
  private readonly runId = randomUUID();
  private readonly observation: RunObservation;
  private launchRecord: LaunchRecord | undefined;
  private watchdog: Watchdog | undefined;
  /** Directories this run writes into (its own, and those its launcher cleaned before writing). */
  private readonly writtenDirs = new Set<string>();
  private abandonedStep = false;
  private settings: Settings | undefined;
  private logger: Logger | undefined;
  private lease: DirectoryLease | undefined;
  /** Refused the directory, or lost it during the run: the run then writes nothing more there. */
  private notOwner: NotOwnerError | undefined;

  constructor(
    private readonly definition: EnvoyDefinition,
    private readonly commandLine: ParsedCommandLine,
    private readonly argv: readonly string[],
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly cwd: string,
    private readonly outputs: OutputPaths,
  ) {
    this.workDir = resolve(cwd, definition.workDir(commandLine));
    this.observation = new RunObservation({
      envoy: definition.cli.envoy,
      version: definition.cli.version,
      mode: commandLine.mode,
      runId: this.runId,
      workDir: this.workDir,
      startedAt: this.startedAt,
      // A preflight is no run: it sends no event and keeps no status.
      dryRun: commandLine.dryRun || commandLine.check,
      redactor: this.redactor,
      env,
      statusPath: outputs.status,
      textLogs: commandLine.logFormat === 'text',
      terminal: process.stdout,
    });
  }

  private get envoy(): string {
    return this.definition.cli.envoy;
  }

  async execute(): Promise<number> {
    this.signals.install();
    let exitCode: number = ExitCode.Success;
    let failure: EnvoyError | undefined;
    let launcher: Launcher | undefined;
    try {
      this.settings = await loadSettings([...COMMON_SETTINGS, ...this.definition.settings], {
        env: this.env,
        homeDir: homedir(),
        commandLine: this.commandLine.settings,
      });
      for (const secret of this.settings.secrets()) this.redactor.add(secret);
      // Checked when the settings were loaded (its declaration's check).
      const level = this.settings.string('envoys.logLevel') as LogLevel;
      this.logger = await createLogger({
        envoy: this.envoy,
        format: this.commandLine.logFormat,
        redactor: this.redactor,
        env: this.env,
        level,
        stream: this.observation.loggerStream(),
      });
      const { check } = this.commandLine;
      if (!this.commandLine.dryRun && !check) await this.takeLease(this.settings, this.logger);
      this.observation.configure(this.settings, this.logger);
      this.logger.info(`${this.envoy} ${this.definition.cli.version} ${this.commandLine.mode}${this.commandLine.dryRun ? ' (dry run)' : ''}`, {
        dir: this.workDir,
      });
      this.logCapo(this.settings, this.logger);
      if (check) {
        await this.preflight(this.settings, this.logger);
        return await this.finishCheck();
      }
      if (!this.commandLine.dryRun) {
        // A run killed outright (SIGKILL, a lost node) left its temporaries here: a rerun starts clean.
        await this.removeStaleTemporaries(this.workDir);
        if (this.commandLine.report) await this.removeStaleTemporaries(dirname(resolve(this.cwd, this.commandLine.report)));
      }

      const factory = this.definition.launchers[this.commandLine.mode];
      if (!factory) throw new Error(`no launcher for mode ${this.commandLine.mode}`);
      launcher = factory(this.context(this.settings, this.logger));
      if (!this.commandLine.dryRun && launcher.launchPlan && process.argv[1]) {
        // Started now, while the setup steps run, so that the launch does not wait for it to boot.
        this.watchdog = Watchdog.start(process.argv[1], this.envoy, this.commandLine.logFormat);
      }
      await this.runSteps(launcher);
      if (this.commandLine.dryRun) await this.preflightStep(this.settings, this.logger);
      const plan = launcher.launchPlan?.();
      if (this.commandLine.dryRun) {
        this.printPlan(plan);
      } else {
        const result = plan ? await this.launch(launcher, plan) : undefined;
        await this.verify(launcher, result, plan);
      }
      // A run that was cut off (a frozen node) may have finished while another took its directory over:
      // it must not report a success that would be staged over the new owner's results.
      if (this.lease && !(await this.lease.stillOurs())) throw this.notOwner;
    } catch (error) {
      failure = asEnvoyError(error);
      exitCode = failure.exitCode;
      if (this.commandLine.check) return await this.finishCheck(failure);
    } finally {
      if (launcher?.teardown) {
        // Teardown is part of stopping (routes removed, the end announced): it may use the grace period.
        const teardownFailure = await this.timed('teardown', () => launcher?.teardown?.().then(() => 'done') ?? Promise.resolve(''), this.graceMs());
        if (teardownFailure && !failure) {
          failure = teardownFailure;
          exitCode = teardownFailure.exitCode;
        }
      }
    }
    if (this.notOwner) {
      // Refused, or lost to another run: that, not how the stop went, is the outcome.
      failure = this.notOwner;
      exitCode = failure.exitCode;
    } else if (this.signals.received && !(failure instanceof InterruptedError)) {
      // A signal that arrived while the run was failing anyway still decides the exit status: the
      // scheduler asked the job to stop, and 128+N tells it that is what happened.
      failure = new InterruptedError(this.signals.received, failure ? `stopped by ${this.signals.received}: ${failure.message}` : undefined);
      exitCode = failure.exitCode;
    }
    this.observation.ended(exitCode, this.signals.received ?? undefined);
    if (failure) {
      printFailure(this.envoy, failure, this.redactor, this.commandLine.logFormat);
      this.logger?.error(oneLine(failure.message), { exitCode });
    } else {
      this.logger?.info(this.commandLine.dryRun ? 'dry run complete: nothing launched, nothing written' : 'succeeded', { exitCode });
    }
    if (this.notOwner) {
      // The directory is another run's: no report, status or page of this run may replace its own.
      this.observation.abandonStatus();
      await this.observation.finish(exitCode, failure, this.findings, { report: this.reportPath(), page: runPagePath(this.reportPath()) });
      await this.logger?.flush();
      this.signals.settle();
      return exitCode;
    }
    await this.lease?.release();
    if (this.abandonedStep) await this.removeOwnTemporaries();
    const events = await this.observation.finish(exitCode, failure, this.findings, { report: this.reportPath(), page: runPagePath(this.reportPath()) });
    await this.writeRunReport(exitCode, failure, events);
    if (launcher?.afterReport && !this.commandLine.dryRun) {
      await launcher.afterReport(exitCode).catch((error: unknown) => {
        this.logger?.warn(`after the report: ${this.redactor.redact(error instanceof Error ? error.message : String(error))}`);
      });
    }
    await this.logger?.flush();
    this.signals.settle();
    return exitCode;
  }

  /** The checks of `--check` and of a dry run: the envoy's own, then the events endpoints every envoy has. */
  private preflightChecks(settings: Settings, logger: Logger): readonly PreflightCheck[] {
    const context = this.context(settings, logger);
    return [...(this.definition.preflight?.(context) ?? []), ...eventsChecks(context)];
  }

  /**
   * `--check`: every check, each on a line (ok or FAILED with its reason), then the effective settings with
   * where each came from. Fails with the first failed check's exit status, as a run would there.
   */
  private async preflight(settings: Settings, logger: Logger): Promise<void> {
    const results = await runChecks(this.preflightChecks(settings, logger), asEnvoyError);
    const json = this.commandLine.logFormat === 'json';
    const log = logger.child('check');
    const lines: string[] = [`${this.envoy} --check: ${results.length} check${results.length === 1 ? '' : 's'} of this node and the site`];
    for (const result of results) {
      if (result.ok) {
        if (json) log.info(result.detail, { check: result.name, ok: true });
        else lines.push(`  ok      ${result.name}: ${oneLine(result.detail)}`);
      } else {
        if (json) log.error(oneLine(result.error.message), { check: result.name, ok: false, exitCode: result.error.exitCode });
        else lines.push(`  FAILED  ${result.name}: ${oneLine(result.error.message)} (exit ${result.error.exitCode})`);
      }
    }
    const table = settingsTable(settings);
    if (json) {
      const settingsLog = logger.child('settings');
      for (const row of table) settingsLog.info(row.source === '' ? `${row.key}: not set` : `${row.key} = ${row.shown}`, { key: row.key, value: row.value, source: row.source === '' ? null : row.source });
    } else {
      lines.push('', 'Settings (value, and where it came from: default, CAPO file:line, environment variable, --set or option):');
      for (const row of table) lines.push(row.source === '' ? `  ${row.key}: not set` : `  ${row.key} = ${row.shown}  (${row.source})`);
      process.stdout.write(this.redactor.redact(lines.join('\n')) + '\n');
    }
    const failed = results.filter((result): result is Extract<CheckResult, { ok: false }> => !result.ok);
    const first = failed[0];
    if (first) {
      const others = failed.slice(1).map((result) => `${result.name}: ${result.error.message}`);
      throw new EnvoyError(first.error.exitCode, first.error.message, [...first.error.details, ...others], { cause: first.error });
    }
  }

  /** A dry run runs the same checks, as one step, and fails where `--check` would. */
  private async preflightStep(settings: Settings, logger: Logger): Promise<void> {
    const checks = this.preflightChecks(settings, logger);
    if (checks.length === 0) return;
    this.logger?.child('check-node').info('checking (dry run)');
    this.observation.stepStarted('check-node', 'auditing');
    const failure = await this.timed('check-node', async () => {
      const results = await runChecks(checks, asEnvoyError);
      for (const result of results) {
        // The real run would go on without it: a warning, not the dry run's failure.
        if (!result.ok && result.advisory) logger.child('check-node').warn(`${result.name}: ${oneLine(result.error.message)} (the run goes on without it)`);
      }
      const failed = results.filter((result): result is Extract<CheckResult, { ok: false }> => !result.ok && !result.advisory);
      const first = failed[0];
      if (first) throw new EnvoyError(first.error.exitCode, first.error.message, [...first.error.details, ...failed.slice(1).map((result) => `${result.name}: ${result.error.message}`)]);
      return results.flatMap((result) => (result.ok ? [`${result.name}: ${result.detail}`] : [])).join('; ');
    });
    if (failure) throw failure;
    const last = this.steps[this.steps.length - 1];
    if (last?.detail) this.logger?.child('check-node').info(last.detail);
  }

  /** The end of `--check`: its exit status, the failure once on stderr; no report, status, page or event. */
  private async finishCheck(failure?: EnvoyError): Promise<number> {
    const exitCode = failure?.exitCode ?? ExitCode.Success;
    if (failure) {
      printFailure(this.envoy, failure, this.redactor, this.commandLine.logFormat);
      this.logger?.error(oneLine(failure.message), { exitCode });
    } else {
      this.logger?.info('every check passed', { exitCode });
    }
    await this.logger?.flush();
    this.signals.settle();
    return exitCode;
  }

  /** Every run says which CAPO profile and files its settings came from: a site's file silently skipped is visible. */
  private logCapo(settings: Settings, logger: Logger): void {
    const { profile, dirs } = settings.capo();
    const log = logger.child('settings');
    if (profile === undefined) {
      log.info('no CAPO profile (CAPO_PROFILE is not set): settings from the environment, the command line and defaults');
      return;
    }
    const files = settings.filesRead();
    log.info(`CAPO profile ${profile}: read ${files.join(', ')}`, { path: dirs.join(':') });
  }

  /**
   * One owner per processing directory (or the directory of envoys.leaseDirectory): refused with 75 while
   * another live run holds it; a run that later finds its lease taken over stops as on a stop signal.
   */
  private async takeLease(settings: Settings, logger: Logger): Promise<void> {
    const configured = settings.optionalString('envoys.leaseDirectory');
    const log = logger.child('lease');
    try {
      this.lease = await DirectoryLease.acquire({
        dir: configured ? resolve(this.cwd, configured) : this.workDir,
        envoy: this.envoy,
        runId: this.runId,
        leaseMs: durationMs(settings, 'envoys.leaseSeconds', 'seconds') ?? 60_000,
        env: this.env,
        signal: this.signals.abortSignal,
        log: (level, message) => log[level](message),
        onLost: (error) => {
          this.notOwner = error;
          log.error(error.message);
          this.signals.stopFor(error);
        },
      });
    } catch (error) {
      if (error instanceof EnvoyError && error.exitCode === ExitCode.NotOwner) this.notOwner = error as NotOwnerError;
      throw error;
    }
  }

  private context(settings: Settings, logger: Logger): EnvoyContext {
    return {
      envoy: this.envoy,
      version: this.definition.cli.version,
      mode: this.commandLine.mode,
      commandLine: this.commandLine,
      settings,
      logger,
      redactor: this.redactor,
      dryRun: this.commandLine.dryRun,
      workDir: this.workDir,
      signal: this.signals.abortSignal,
      startedAt: this.startedAt,
      env: this.env,
      cwd: this.cwd,
      recordDetail: (key, value) => {
        this.details[key] = value;
      },
      recordNote: (text) => {
        // A verdict reached twice (a retried step) must not say the same thing twice.
        if (!this.notes.includes(text)) this.notes.push(text);
      },
      ...this.observation.hooks(),
      removeStaleTemporaries: (dir) => (this.commandLine.dryRun ? Promise.resolve() : this.removeStaleTemporaries(dir)),
      atDeath: (payload) => this.watchdog?.atDeath(payload),
    };
  }

  /**
   * A step abandoned after a stop signal may have been writing: its temporaries (this process's, in every
   * directory the run writes into) go before the envoy exits, so that nothing half-written is left.
   */
  private async removeOwnTemporaries(): Promise<void> {
    for (const dir of this.writtenDirs) await removeOwnTemporaries(dir).catch(() => undefined);
  }

  private async removeStaleTemporaries(dir: string): Promise<void> {
    this.writtenDirs.add(dir);
    const { removed, kept } = await removeStaleTemporaries(dir);
    const log = (this.logger as Logger).child('cleanup');
    if (removed.length > 0) {
      const list = (this.details['removedTemporaries'] as string[] | undefined) ?? [];
      list.push(...removed.map((name) => join(dir, name)));
      this.details['removedTemporaries'] = list;
      log.info(`removed ${removed.length} temporar${removed.length === 1 ? 'y' : 'ies'} left in ${dir} by runs that died: ${removed.join(', ')}`);
    }
    if (kept.length > 0) log.warn(`could not remove temporaries left in ${dir} by runs that died: ${kept.join(', ')}`);
  }

  private graceMs(): number {
    return durationMs(this.settings as Settings, 'envoys.graceSeconds', 'seconds') ?? STOP_POLICY.defaultGraceMs;
  }

  /**
   * Runs `work` as a recorded step; returns its failure (already recorded) instead of throwing. After a stop
   * signal the step gets `afterSignalMs` to finish (every step watches the abort signal and stops well within
   * it); then it is abandoned and the envoy stops anyway.
   */
  private async timed(name: string, work: () => Promise<string | void>, afterSignalMs = STEP_STOP_MS): Promise<EnvoyError | undefined> {
    const started = Date.now();
    try {
      const detail = await this.untilSignalled(work(), afterSignalMs);
      this.recordStep({ name, status: this.commandLine.dryRun && name !== 'teardown' ? 'planned' : 'succeeded', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, detail: detail ?? '' });
      this.logger?.child(name).debug('done', { ms: Date.now() - started });
      return undefined;
    } catch (error) {
      const failure = asEnvoyError(error);
      this.recordStep({ name, status: 'failed', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, detail: this.redactor.redact(failure.message) });
      return failure;
    }
  }

  private recordStep(record: StepRecord): void {
    this.steps.push(record);
    this.observation.stepFinished(record);
  }

  /** Waits for a step, but not forever once a signal has come (see timed). */
  private async untilSignalled<T>(work: Promise<T>, afterSignalMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      const arm = () => {
        timer = setTimeout(() => {
          // After the I/O already done has been handled: a step finishing its own stop just now wins.
          setImmediate(() => {
            this.abandonedStep = true;
            reject(new InterruptedError(this.signals.received ?? 'SIGTERM'));
          });
        }, afterSignalMs);
      };
      if (this.signals.abortSignal.aborted) arm();
      else this.signals.abortSignal.addEventListener('abort', arm, { once: true });
    });
    abandoned.catch(() => undefined);
    try {
      return await Promise.race([work, abandoned]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private async runSteps(launcher: Launcher): Promise<void> {
    for (const setup of launcher.steps) {
      if (this.signals.received) throw new InterruptedError(this.signals.received);
      this.logger?.child(setup.name).info(this.commandLine.dryRun ? 'checking (dry run)' : 'starting');
      this.observation.stepStarted(setup.name, stepPhase(setup));
      const failure = await this.timed(setup.name, () => setup.run());
      if (failure) throw failure;
      const last = this.steps[this.steps.length - 1];
      if (last?.detail) this.logger?.child(setup.name).info(last.detail);
    }
    if (this.signals.received) throw new InterruptedError(this.signals.received);
  }

  private printPlan(plan: LaunchPlan | undefined): void {
    const summary = 'Dry run: every check passed; nothing was launched and no file was written.';
    if (this.commandLine.logFormat === 'json') {
      // One JSON line like the log's, with the plan as data: `--log-format json` output is JSON lines only.
      const planned = plan
        ? { command: shellQuote(plan.argv), argv: plan.argv, cwd: plan.cwd, env: plan.env, unsetEnv: plan.unsetEnv ?? [], ...(plan.timeoutMs !== undefined ? { timeLimitSeconds: plan.timeoutMs / 1000 } : {}) }
        : null;
      const line = { time: new Date().toISOString(), level: 'info', envoy: this.envoy, step: 'plan', message: plan ? summary : `${summary} This mode launches nothing.`, plan: planned };
      process.stdout.write(this.redactor.redact(JSON.stringify(line)) + '\n');
      return;
    }
    const lines = [summary];
    if (plan) {
      lines.push(`command: ${shellQuote(plan.argv)}`, `argv: ${JSON.stringify(plan.argv)}`, `cwd: ${plan.cwd}`);
      for (const [name, value] of Object.entries(plan.env)) lines.push(`env: ${name}=${value}`);
      for (const name of plan.unsetEnv ?? []) lines.push(`unset: ${name}`);
      if (plan.timeoutMs !== undefined) lines.push(`time limit: ${plan.timeoutMs / 1000} s`);
    } else {
      lines.push('(this mode launches nothing)');
    }
    process.stdout.write(this.redactor.redact(lines.join('\n')) + '\n');
  }

  private async launch(launcher: Launcher, plan: LaunchPlan): Promise<LaunchResult> {
    const logger = (this.logger as Logger).child('launch');
    const outputLog = join(this.workDir, `${this.envoy}.${this.commandLine.mode}.out.log`);
    logger.info(`launching ${shellQuote(plan.argv)}`, { cwd: plan.cwd });
    const started = Date.now();
    this.watchdog?.requireRunning();
    const running = await startSupervised(plan, {
      graceMs: this.graceMs(),
      redactor: this.redactor,
      logger: this.logger as Logger,
      signals: this.signals,
      outputLog,
      ...this.observation.outputStreams(),
      ...(this.watchdog ? { watchdog: this.watchdog } : {}),
    });
    logger.info('started', { pid: running.pid });
    this.observation.launched(running.pid, plan);
    let watcherFailure: unknown;
    const watcher = launcher.whileRunning
      ? launcher.whileRunning(running).catch(async (error: unknown) => {
          watcherFailure = error;
          await running.stop('failure while running');
        })
      : Promise.resolve();
    const result = await running.result;
    this.observation.launchEnded(result);
    await watcher;
    this.launchRecord = {
      argv: plan.argv,
      cwd: plan.cwd,
      env: { ...plan.env },
      unsetEnv: [...(plan.unsetEnv ?? [])],
      pid: result.pid,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      timedOut: result.timedOut,
      stoppedBy: result.stoppedBy,
      outputLog,
    };
    this.recordStep({
      name: 'launch',
      status: result.exitCode === 0 ? 'succeeded' : 'failed',
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      detail: result.signal ? `ended by ${result.signal}` : `exited with status ${result.exitCode}`,
    });
    logger.info(result.signal ? `ended by ${result.signal}` : `exited with status ${result.exitCode}`, { ms: result.durationMs });
    if (!result.interruptedBy && !watcherFailure && !result.timedOut && !this.signals.received && launcher.relaunch) {
      const again = await launcher.relaunch(result);
      if (again) return this.launch(launcher, again);
    }
    if (result.interruptedBy) throw new InterruptedError(result.interruptedBy, `stopped by ${result.interruptedBy}; the external system was stopped`);
    if (watcherFailure) throw watcherFailure;
    if (result.timedOut) {
      throw new TimedOutError(`${plan.argv[0]} ran past its time limit of ${(plan.timeoutMs ?? 0) / 60000} minutes and was stopped`);
    }
    return result;
  }

  private async verify(launcher: Launcher, result: LaunchResult | undefined, plan: LaunchPlan | undefined): Promise<void> {
    if (!launcher.verify && !result) return;
    const verifier = launcher.verify ? (r: LaunchResult | undefined) => launcher.verify?.(r) ?? Promise.resolve([]) : undefined;
    this.observation.verifying();
    const failure = await this.timed('verify', async () => {
      const found = verifier ? await verifier(result) : exitStatusFindings(result as LaunchResult, plan?.argv[0] ?? '');
      this.findings.push(...found);
      if (found.length === 0) return 'verified';
      const first = found[0] as Finding;
      const more = found.length > 1 ? ` (and ${found.length - 1} more finding${found.length > 2 ? 's' : ''})` : '';
      // The first finding's log lines come first: for a SEVERE they are its traceback, the why of the failure.
      throw new ExternalFailureError(`verification failed: ${findingSummary(first)}${more}`, [
        ...findingContextLines(first),
        ...found.slice(1, 20).map(findingSummary),
      ]);
    });
    if (this.signals.received) throw new InterruptedError(this.signals.received);
    if (failure) throw failure;
  }

  /** `<envoy>-report.json` in the work directory, `--report FILE`, or beside a reviewed run's record (planOutputs). */
  private reportPath(): string {
    return this.outputs.report;
  }

  private async writeRunReport(exitCode: number, failure: EnvoyError | undefined, events: EventsRecord | undefined): Promise<void> {
    if (this.commandLine.dryRun && !this.commandLine.report) return;
    const path = this.reportPath();
    const stages = this.observation.stageRecords();
    const files = this.observation.fileRecords();
    const report: RunReport = this.redactor.redactValue({
      schemaVersion: SCHEMA_VERSION,
      envoy: this.envoy,
      version: this.definition.cli.version,
      mode: this.commandLine.mode,
      runId: this.runId,
      status: exitCode === 0 ? 'succeeded' : 'failed',
      exitCode,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      dryRun: this.commandLine.dryRun,
      workDirectory: this.workDir,
      commandLine: [...this.argv],
      steps: this.steps,
      ...(this.launchRecord ? { launch: this.launchRecord } : {}),
      ...(stages.length > 0 ? { stages } : {}),
      findings: this.findings,
      ...(this.notes.length > 0 ? { notes: [...this.notes] } : {}),
      ...(failure ? { error: { message: failure.message, details: failure.details } } : {}),
      ...(this.signals.received ? { signal: this.signals.received } : {}),
      settings: this.settings?.describe() ?? [],
      ...(files.length > 0 ? { files } : {}),
      ...(events ? { events } : {}),
      details: this.details,
    });
    const page = runPagePath(path);
    const failed = (what: string) => (error: unknown) => {
      // The exit status already says what went wrong; a report that cannot be written must not hide it.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${this.envoy}: could not write the ${what}: ${this.redactor.redact(message)}\n`);
    };
    // Written side by side: each is flushed to disk, and the waits overlap. A dry run writes only the JSON
    // report it was asked for.
    await Promise.all([
      writeReport(path, report, this.redactor).catch(failed('run report')),
      ...(this.commandLine.dryRun
        ? []
        : [
            writeRunPage({ report, pagePath: page, reportPath: path, statusPath: this.observation.statusPath, host: this.observation.identity.host }, this.redactor).catch(
              failed('run page'),
            ),
            this.observation.closeStatus({
              exitCode,
              findings: this.findings.length,
              ...(failure ? { error: failure.message } : {}),
              report: path,
              page,
            }),
          ]),
    ]);
  }
}
