import { readFileSync } from 'node:fs';

/**
 * A reader for the part of HTCondor's submit language the envoys' submit files use (condor_submit(1)):
 * `#` comment lines, `\` line continuation, `name = value` lines (each is both a command and a macro; names
 * are case-insensitive), `$(NAME)` and `$ENV(NAME)` references expanded when the job is queued (so a
 * definition added with `condor_submit -append` overrides one in the file), and `queue`. It is a test aid
 * that catches typos and inconsistencies, not a replacement for condor_submit.
 */
export interface SubmitFile {
  readonly path: string;
  /** Every `name = value` in file order; names lower-cased. */
  readonly entries: readonly (readonly [string, string])[];
  readonly queued: boolean;
}

export function readSubmitFile(path: string): SubmitFile {
  const text = readFileSync(path, 'utf8');
  const joined = text.replace(/\\\r?\n/g, ' ');
  const entries: [string, string][] = [];
  let queued = false;
  joined.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/^queue\b/i.test(line)) {
      queued = true;
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${path}:${index + 1}: not "name = value": ${line}`);
    const name = line.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z_+][a-z0-9_.]*$/.test(name)) throw new Error(`${path}:${index + 1}: bad name "${name}"`);
    if (queued) throw new Error(`${path}:${index + 1}: "${name}" after queue would apply to no job`);
    entries.push([name, line.slice(eq + 1).trim()]);
  });
  return { path, entries, queued };
}

export interface ExpandOptions {
  /** The environment condor_submit runs in (for `$ENV(NAME)`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Definitions given with `condor_submit -append 'NAME = value'`: they come after the file's. */
  readonly append?: Readonly<Record<string, string>>;
  readonly cluster?: number;
}

/** The commands as the job would get them: later definitions win, every reference expanded. */
export function expandSubmit(file: SubmitFile, options: ExpandOptions): Map<string, string> {
  const raw = new Map<string, string>();
  for (const [name, value] of file.entries) raw.set(name, value);
  for (const [name, value] of Object.entries(options.append ?? {})) raw.set(name.toLowerCase(), value);
  const builtins = new Map<string, string>([
    ['cluster', String(options.cluster ?? 1)],
    ['clusterid', String(options.cluster ?? 1)],
    ['process', '0'],
    ['procid', '0'],
  ]);
  const expand = (value: string, depth: number): string => {
    if (depth > 20) throw new Error(`${file.path}: macro expansion does not end: ${value}`);
    return value
      .replace(/\$ENV\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_match, name: string) => options.env[name] ?? '')
      .replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_match, name: string) => {
        const key = name.toLowerCase();
        const found = raw.get(key) ?? builtins.get(key);
        if (found === undefined) throw new Error(`${file.path}: $(${name}) is not defined`);
        return expand(found, depth + 1);
      });
  };
  const result = new Map<string, string>();
  for (const [name, value] of raw) result.set(name, expand(value, 0));
  return result;
}

/**
 * Splits a value in condor_submit's "new syntax" (the whole value in double quotes; white space separates;
 * single quotes group; a doubled quote is a literal one), as `arguments` and `environment` use it.
 */
export function splitNewSyntax(value: string): string[] {
  if (!value.startsWith('"') || !value.endsWith('"') || value.length < 2) {
    throw new Error(`not in the new syntax (double-quoted): ${value}`);
  }
  const body = value.slice(1, -1).replace(/""/g, '"');
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (quoted) {
      if (char === "'" && body[i + 1] === "'") {
        current += "'";
        i++;
      } else if (char === "'") quoted = false;
      else current += char;
    } else if (char === "'") {
      quoted = true;
      inWord = true;
    } else if (char === ' ' || char === '\t') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quoted) throw new Error(`unbalanced single quote in ${value}`);
  if (inWord) words.push(current);
  return words;
}

/** `environment = "A=1 B=2"` as a record. */
export function environmentOf(value: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of splitNewSyntax(value)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`environment entry without "=": ${entry}`);
    result[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return result;
}

/** A comma-separated file list (`transfer_input_files`, `transfer_output_files`); `""` is the empty list. */
export function fileList(value: string | undefined): string[] {
  if (value === undefined || value === '""' || value.trim() === '') return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The exit codes an `on_exit_hold` expression holds for (`ExitCode =?= N` / `ExitCode == N` terms). */
export function heldExitCodes(expression: string): Set<number> {
  const codes = new Set<number>();
  for (const match of expression.matchAll(/ExitCode\s*(?:=\?=|==)\s*(\d+)/g)) codes.add(Number(match[1]));
  return codes;
}
