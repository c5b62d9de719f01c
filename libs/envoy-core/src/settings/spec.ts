import { REDACTED } from '../redact/redactor';
/** How a setting's text is checked and what JavaScript value it becomes. */
export type SettingType = 'string' | 'number' | 'integer' | 'boolean' | 'path' | 'url';

/** One setting an envoy declares (CONTRACT 3.4): its documented key, its type and where else it may come from. */
export interface SettingSpec {
  /** The documented spelling, e.g. `envoys.casa.timeoutMinutes`; matched case-insensitively. */
  readonly key: string;
  readonly type: SettingType;
  /** One line for `--help` and documentation. */
  readonly description: string;
  /** The one environment variable that may set it, e.g. `CASA_TIMEOUT_MINUTES`. */
  readonly env?: string;
  /** Must already have the setting's JavaScript type (a number for `number`, a boolean for `boolean`...). */
  readonly default?: SettingValue;
  /** Its value is redacted from logs and the run report. */
  readonly secret?: boolean;
  /** Inclusive lower bound (`number`, `integer`); durations use 0. */
  readonly min?: number;
  /** Inclusive upper bound (`number`, `integer`). */
  readonly max?: number;
  /** Allowed URL schemes with the colon, as `URL.protocol` spells them: `['http:', 'https:']`. */
  readonly protocols?: readonly string[];
  /**
   * A check of the converted value that only the envoy can make (a regular expression compiles...): returns
   * why the value is bad as a phrase that completes "setting K = V from SOURCE is ...", or undefined when it is good.
   * Its failure is reported like any other bad setting, with the key and where the value came from.
   */
  readonly check?: (value: SettingValue) => string | undefined;
}

export type SettingValue = string | number | boolean;

/**
 * Where a setting's value came from. `name` is 'default', the properties file's path, the environment
 * variable's name, or the command-line option's text (`--set`); `line` is the line in a properties file.
 */
export interface SettingSource {
  readonly kind: 'default' | 'file' | 'env' | 'cli';
  readonly name: string;
  readonly line?: number;
}

/** A value given on the command line, by `--set key=value` or by a dedicated option. */
export interface CommandLineSetting {
  readonly key: string;
  readonly value: string;
  /** The option as the user wrote it (`--set`, `--timeout-minutes`), quoted in error messages. */
  readonly source: string;
}

export interface LoadSettingsOptions {
  /** Usually `process.env`; passed in so tests and dry runs never depend on the real environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Usually `os.homedir()`; the last CAPO file is `<homeDir>/.capo/<profile>.properties`. */
  readonly homeDir: string;
  readonly commandLine?: readonly CommandLineSetting[];
}

/** One line of the run report's settings list. */
export interface SettingDescription {
  readonly key: string;
  readonly value: SettingValue | typeof REDACTED;
  readonly source: string;
}

/** The source as a reader sees it in messages and the report: a path with its line, an env var, an option. */
export function sourceText(source: SettingSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return source.line === undefined ? source.name : `${source.name}:${source.line}`;
    case 'env':
      return `environment variable ${source.name}`;
    case 'cli':
      return source.name;
  }
}
