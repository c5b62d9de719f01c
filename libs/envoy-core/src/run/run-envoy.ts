import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseCommandLine } from '../cli/parse';
import type { ParsedCommandLine } from '../cli/spec';
import { usage } from '../cli/usage';
import { ExitCode, UsageError } from '../errors';
import { SignalHub } from '../process/signals';
import { AT_DEATH_ARGUMENT } from '../process/watchdog';
import { Redactor } from '../redact/redactor';
import { oneLine } from '../report/one-line';
import { defaultOutputs, planOutputs, type OutputPaths } from '../report/outputs';
import { COMMON_SETTINGS, type EnvoyDefinition } from './definition';
import { drive } from './drive';
import { RunObservers } from './observers/observers';
import { RunRecord } from './run-record';
import type { RunScope } from './scope';

export interface RunOptions {
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/**
 * Runs one envoy invocation (CONTRACT 1): the watchdog's at-death work, `--help` and `--version`, usage
 * errors, or a run through its life cycle (drive). Resolves with the exit status; main.ts exits with it.
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
  return drive(runScope(definition, commandLine, { argv, env, cwd, outputs, workDir }));
}

/** The run's identity and the objects every phase shares. */
function runScope(
  definition: EnvoyDefinition,
  commandLine: ParsedCommandLine,
  fixed: Pick<RunScope, 'argv' | 'env' | 'cwd' | 'outputs' | 'workDir'>,
): RunScope {
  const startedAt = new Date();
  const redactor = new Redactor();
  const runId = randomUUID();
  const signals = new SignalHub();
  const record = new RunRecord();
  const observers = new RunObservers({
    envoy: definition.cli.envoy,
    version: definition.cli.version,
    mode: commandLine.mode,
    runId,
    workDir: fixed.workDir,
    startedAt,
    argv: fixed.argv,
    dryRun: commandLine.dryRun,
    check: commandLine.check,
    reportAsked: Boolean(commandLine.report),
    redactor,
    env: fixed.env,
    statusPath: fixed.outputs.status,
    textLogs: commandLine.logFormat === 'text',
    terminal: process.stdout,
    record,
    signal: () => signals.received,
  });
  return { definition, envoy: definition.cli.envoy, commandLine, ...fixed, runId, startedAt, redactor, signals, observers, record };
}
