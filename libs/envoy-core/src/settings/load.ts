import { REDACTED } from '../redact/redactor';
import { InvalidInputError, UsageError } from '../errors';
import { escapeControls, quoteValue, shorten } from '../report/one-line';
import { capoLookup, readCapoFiles, type PropertyEntry } from './capo';
import { expandEnvReferences } from './env-refs';
import { didYouMean, nearestKey } from './suggest';
import { Settings, type ResolvedSetting } from './settings';
import {
  sourceText,
  type CommandLineSetting,
  type LoadSettingsOptions,
  type SettingSource,
  type SettingSpec,
} from './spec';
import { checkDefault, convert } from './values';

const DEFAULT_SOURCE: SettingSource = { kind: 'default', name: 'default' };

/** The winning text of one setting before conversion, with where it came from. */
interface Candidate {
  readonly text: string;
  readonly source: SettingSource;
}

/**
 * Loads the envoy's declared settings, later layers winning: built-in defaults < CAPO properties files <
 * environment variables < command-line values (CONTRACT 3.4).
 *
 * Every declared setting is converted and checked here, so a bad value stops the run before it starts
 * rather than in the middle of a long job; all problems are collected into one error, the first as its message
 * and the others in its details: a UsageError (exit 2) when one comes from the command line, otherwise an
 * InvalidInputError (exit 65). Specs that contradict themselves (duplicate key,
 * default of the wrong type) are bugs in the envoy and reject with a plain Error.
 */
export async function loadSettings(specs: readonly SettingSpec[], options: LoadSettingsOptions): Promise<Settings> {
  const byKey = checkSpecs(specs);
  const lookup = capoLookup(options.env, options.homeDir);
  const capo = await readCapoFiles(lookup.files);
  if (lookup.profile !== undefined && capo.filesRead.length === 0) {
    // A misspelled profile would otherwise run the job on defaults and fail far from the cause.
    throw new InvalidInputError(
      `CAPO_PROFILE ${quoteValue(lookup.profile)} names no properties file: looked for ${lookup.files.join(', ')}`,
      [`CAPO_PATH ${options.env['CAPO_PATH'] ? `is ${quoteValue(options.env['CAPO_PATH'])}` : `is unset: the default path is ${lookup.dirs.join(':')}`}`],
    );
  }
  const { cli, problems: usageProblems } = commandLineByKey(options.commandLine ?? [], byKey);
  const problems: string[] = unknownFileKeys(capo.all, byKey);

  const resolved = specs.map((spec): ResolvedSetting => {
    const key = spec.key.toLowerCase();
    const candidate =
      cli.get(key) ?? fromEnv(spec, options.env) ?? fromFile(spec, capo.entries.get(key), options.env, problems);
    if (candidate === undefined) {
      return spec.default === undefined ? { spec } : { spec, value: spec.default, source: DEFAULT_SOURCE };
    }
    const conversion = convert(spec, candidate.text);
    const problem = conversion.ok ? spec.check?.(conversion.value) : conversion.problem;
    if (conversion.ok && problem === undefined) return { spec, value: conversion.value, source: candidate.source };
    const shown = spec.secret ? REDACTED : quoteValue(spec.type === 'url' ? withoutUrlPassword(candidate.text) : candidate.text);
    // A check's phrase may quote the value again (a regular expression engine's message does): kept short.
    (candidate.source.kind === 'cli' ? usageProblems : problems).push(`setting ${spec.key} = ${shown} from ${sourceText(candidate.source)} is ${shorten(escapeControls(problem ?? ''), 300)}`);
    return { spec };
  });

  // A mistake on the command line is the job's arguments (exit 2, held for an operator); one in a file or the
  // environment is a bad setting (65). Both kinds are listed, the command line's first; the message is the
  // first problem and the details the others, so that no sentence is printed twice.
  const all = [...usageProblems, ...problems];
  if (usageProblems.length > 0) throw new UsageError(all[0] as string, all.slice(1));
  if (problems.length > 0) throw new InvalidInputError(all[0] as string, all.slice(1));
  return new Settings(resolved, capo.filesRead, { profile: lookup.profile, dirs: lookup.dirs });
}

// Checked before any layer is read, so a bad default fails every test run, not only those that rely on it.
function checkSpecs(specs: readonly SettingSpec[]): Map<string, SettingSpec> {
  const byKey = new Map<string, SettingSpec>();
  for (const spec of specs) {
    const key = spec.key.toLowerCase();
    const earlier = byKey.get(key);
    if (earlier) throw new Error(`setting ${spec.key} is declared twice (also as ${earlier.key})`);
    byKey.set(key, spec);
    if (spec.default !== undefined) {
      const conversion = checkDefault(spec, spec.default);
      if (!conversion.ok) throw new Error(`the default of setting ${spec.key} is ${conversion.problem}`);
    }
  }
  return byKey;
}

/**
 * Keys in the envoy's own namespaces that it does not declare: a typo (`envoys.casa.timeoutMinute`) would
 * otherwise run the job as if the line were not there. A key is in the envoy's namespaces when it is
 * `envoys.<name>` or its second segment is (or nearly is) one of the declared keys' (`casa`, `events`);
 * `envoys.carta.*` in a file casa-envoy reads is another envoy's business, and keys outside `envoys.` are
 * every other CAPO client's.
 */
function unknownFileKeys(entries: readonly PropertyEntry[], byKey: ReadonlyMap<string, SettingSpec>): string[] {
  const declared = [...byKey.values()].map((spec) => spec.key);
  const spaces = [...new Set(declared.map((key) => key.toLowerCase().split('.')).filter((parts) => parts.length > 2).map((parts) => parts[1] as string))];
  const problems: string[] = [];
  for (const entry of entries) {
    const lower = entry.key.toLowerCase();
    if (!lower.startsWith('envoys.') || byKey.has(lower)) continue;
    const parts = lower.split('.');
    const ours = parts.length === 2 || nearestKey(parts[1] ?? '', spaces) !== undefined;
    if (!ours) continue;
    problems.push(`unknown setting ${quoteValue(entry.key)} in ${entry.file}:${entry.line}${didYouMean(entry.key, declared)}`);
  }
  return problems;
}

// Unknown keys are collected rather than thrown so a typo is reported together with every other problem.
function commandLineByKey(
  commandLine: readonly CommandLineSetting[],
  byKey: ReadonlyMap<string, SettingSpec>,
): { cli: Map<string, Candidate>; problems: string[] } {
  const cli = new Map<string, Candidate>();
  const problems: string[] = [];
  for (const { key, value, source } of commandLine) {
    const lower = key.trim().toLowerCase();
    if (!byKey.has(lower)) {
      problems.push(`unknown setting ${quoteValue(key)} from ${source}${didYouMean(key, [...byKey.values()].map((spec) => spec.key))}`);
      continue;
    }
    // Unlike files and the environment, an empty command-line value is never "unset": it was typed on
    // purpose, so it is converted (and for most types rejected) as given.
    cli.set(lower, { text: value.trim(), source: { kind: 'cli', name: source } });
  }
  return { cli, problems };
}

// An empty variable counts as unset: job scripts often `export X=` as a placeholder.
function fromEnv(spec: SettingSpec, env: LoadSettingsOptions['env']): Candidate | undefined {
  if (!spec.env) return undefined;
  const text = env[spec.env]?.trim();
  return text ? { text, source: { kind: 'env', name: spec.env } } : undefined;
}

// `${env:NAME}` is expanded only here, for a declared key's winning file value: references in keys this
// envoy does not know, or in values a higher layer overrides, are never evaluated and never fail the run.
function fromFile(
  spec: SettingSpec,
  entry: PropertyEntry | undefined,
  env: LoadSettingsOptions['env'],
  problems: string[],
): Candidate | undefined {
  if (entry === undefined || entry.value === '') return undefined;
  const source: SettingSource = { kind: 'file', name: entry.file, line: entry.line };
  const expansion = expandEnvReferences(entry.value, env);
  if (expansion.ok) return { text: expansion.value.trim(), source };
  problems.push(
    `setting ${spec.key} in ${sourceText(source)} uses \${env:${expansion.missing}}, ` +
      `but environment variable ${expansion.missing} is not set`,
  );
  return undefined;
}

// A URL setting that is not secret as a whole may still hold a password (redis://:PASSWORD@host): a value that
// fails its check must not print it, and nothing has registered it with the redactor yet.
function withoutUrlPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, `$1${REDACTED}@`);
}
