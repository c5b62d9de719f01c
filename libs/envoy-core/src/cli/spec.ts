import type { CommandLineSetting, SettingSpec } from '../settings';

/** One mode of an envoy: a flag that takes a fixed number of arguments, e.g. `-c METADATA PPR`. */
export interface ModeSpec {
  readonly name: string;
  readonly flag: string;
  readonly short?: string;
  readonly args: readonly string[];
  readonly description: string;
  /**
   * The mode checks a run that already finished (casa-envoy --verify): that run's report, page and status are
   * its record and are kept; this mode's own go beside them as `<envoy>-<mode>-report.json` and `-status.json`.
   */
  readonly reviewsRun?: boolean;
  /** Flags that turn this mode into another one (`-c … --restore` is the mode `restore`). */
  readonly variants?: readonly VariantSpec[];
}

export interface VariantSpec {
  readonly flag: string;
  readonly name: string;
  readonly description: string;
}

/** An option of one envoy, with a value (`--session-id ID`) or without (`--reingest`). */
export interface OptionSpec {
  readonly flag: string;
  readonly value?: string;
  readonly description: string;
  /** Values that do not match are a usage error (exit 2). */
  readonly pattern?: RegExp;
  readonly patternHint?: string;
  /** Modes that cannot run without this option. */
  readonly requiredFor?: readonly string[];
  /** The option is a shorthand for this setting (the command-line layer of CONTRACT 3.4). */
  readonly setting?: string;
}

export interface CommandLineSpec {
  readonly envoy: string;
  readonly version: string;
  readonly summary: string;
  readonly modes: readonly ModeSpec[];
  readonly options?: readonly OptionSpec[];
  /** Whether the envoy takes `--processing-dir DIR` (casa-envoy does; the others take their directory elsewhere). */
  readonly processingDir?: boolean;
  /** Extra text for --help: examples, exit statuses. */
  readonly epilogue?: string;
  /**
   * The settings --help lists (key, environment variable, default, description), generated from their
   * declarations so that the help cannot drift from what the envoy reads. runEnvoy passes every setting.
   */
  readonly settings?: readonly SettingSpec[];
}

export type LogFormat = 'text' | 'json';

export interface ParsedCommandLine {
  readonly mode: string;
  /** The flag the mode was chosen with, as typed (`-c` or `--standard-cal`). */
  readonly modeFlag: string;
  /** The mode's arguments by name (`METADATA`, `PPR`). */
  readonly args: Readonly<Record<string, string>>;
  /** Envoy-specific options by flag (`--session-id`): the value, or true for a flag without value. */
  readonly options: Readonly<Record<string, string | true>>;
  readonly dryRun: boolean;
  /** `--check`: the preflight of the node and the site (mode `check`, no arguments, nothing written). */
  readonly check: boolean;
  readonly processingDir?: string;
  readonly report?: string;
  readonly logFormat: LogFormat;
  /** Settings given on the command line (`--set KEY=VALUE` and option shorthands). */
  readonly settings: readonly CommandLineSetting[];
}

export type CommandLine =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string }
  | { readonly kind: 'run'; readonly parsed: ParsedCommandLine };
