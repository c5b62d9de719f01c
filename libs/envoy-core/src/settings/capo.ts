import { join } from 'node:path';
import { InvalidInputError, MissingInputError } from '../errors';
import { readInputFile } from '../files/input-file';
import { quoteValue } from '../report/one-line';

/**
 * The most a properties file may hold. Real ones are tens of kilobytes; this bound is a hundred times that, so
 * it only ever stops a file that is not a properties file at all (a device, a runaway log) from filling memory.
 */
export const MAX_PROPERTIES_BYTES = 4 * 1024 * 1024;

/**
 * Where the observatory's CAPO clients look when `CAPO_PATH` is unset (or empty): the CASA and SSA accounts'
 * shared directories, then the user's own. `~` is the home directory of the user the envoy runs as.
 */
export const DEFAULT_CAPO_DIRS: readonly string[] = ['/home/casa/capo', '/home/ssa/capo', '~/.capo'];

/** One `key = value` line of a CAPO properties file, remembered with its origin for error messages. */
export interface PropertyEntry {
  /** The key as written (after unescaping), for messages; the map holding the entry has it lower-cased. */
  readonly key: string;
  readonly value: string;
  /** The line the entry starts on (a continued value goes on over the next lines). */
  readonly line: number;
  readonly file: string;
}

/**
 * Parses CAPO properties text as Java's `Properties.load` reads it, which is how the observatory's CAPO
 * clients read these files: `#` and `!` comment lines; a key ends at the first unescaped `=`, `:` or
 * whitespace, and one `=` or `:` after optional whitespace belongs to the separator; a line ending in an odd
 * number of backslashes goes on on the next line (whose leading whitespace is dropped); `\t`, `\n`, `\r`,
 * `\f`, `\uXXXX` and `\<any other character>` are unescaped in keys and values. There are no inline
 * comments: `5 ; five minutes` is the value, `;` and all, as Java gives it to every other CAPO client.
 * Keys are lower-cased (lookups are case-insensitive); a later line for the same key wins, as in a later file.
 * Only a malformed `\u` escape fails (InvalidInputError naming file and line), as it fails Java's load for
 * every program that shares the file.
 */
export function parseProperties(text: string, file: string): Map<string, PropertyEntry> {
  const entries = new Map<string, PropertyEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const first = index + 1;
    let logical = (lines[index] ?? '').replace(/^[ \t\f]+/, '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (endsInContinuation(logical) && index + 1 < lines.length) {
      index += 1;
      logical = logical.slice(0, -1) + (lines[index] ?? '').replace(/^[ \t\f]+/, '');
    }
    if (endsInContinuation(logical)) logical = logical.slice(0, -1);
    const { key, value } = splitEntry(logical, file, first);
    if (key === '') continue;
    entries.set(key.toLowerCase(), { key, value, line: first, file });
  }
  return entries;
}

function endsInContinuation(line: string): boolean {
  const backslashes = /\\*$/.exec(line)?.[0].length ?? 0;
  return backslashes % 2 === 1;
}

function splitEntry(logical: string, file: string, line: number): { key: string; value: string } {
  let end = 0;
  while (end < logical.length) {
    const char = logical[end] as string;
    if (char === '\\') {
      end += 2;
      continue;
    }
    if (char === '=' || char === ':' || char === ' ' || char === '\t' || char === '\f') break;
    end += 1;
  }
  let rest = logical.slice(end).replace(/^[ \t\f]+/, '');
  if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]+/, '');
  return { key: unescape(logical.slice(0, end), file, line), value: unescape(rest, file, line) };
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string, file: string, line: number): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = text[i + 1];
    i += 1;
    if (next === undefined) break;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new InvalidInputError(`CAPO properties file ${file}:${line} has a malformed \\u escape ${quoteValue(`\\u${hex}`)} (four hexadecimal digits expected)`);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
      continue;
    }
    out += ESCAPES[next] ?? next;
  }
  return out;
}

/** Where CAPO looks for a profile, and which files that makes. */
export interface CapoLookup {
  /** The profile named by `CAPO_PROFILE`; undefined when it is unset or empty. */
  readonly profile: string | undefined;
  /** The directories in layering order (later wins); the default path when `CAPO_PATH` is unset or empty. */
  readonly dirs: readonly string[];
  /** `<dir>/<profile>.properties` for each directory; empty without a profile. */
  readonly files: readonly string[];
}

/**
 * Where CAPO looks for this environment's profile. `CAPO_PATH` (colon-separated, empty entries skipped) wins
 * and is followed by the user's own `~/.capo`; unset or empty, it is DEFAULT_CAPO_DIRS. Tests set `CAPO_PATH`:
 * nothing they do depends on /home/casa existing.
 */
export function capoLookup(env: Readonly<Record<string, string | undefined>>, homeDir: string): CapoLookup {
  const profile = env['CAPO_PROFILE'] === '' ? undefined : env['CAPO_PROFILE'];
  const own = join(homeDir, '.capo');
  const given = (env['CAPO_PATH'] ?? '').split(':').filter((dir) => dir !== '');
  const dirs = given.length === 0 ? DEFAULT_CAPO_DIRS.map((dir) => (dir === '~/.capo' ? own : dir)) : given.includes(own) ? given : [...given, own];
  if (profile === undefined) return { profile, dirs, files: [] };
  // A profile is a name, not a path: with a separator it would read files CAPO itself never would.
  if (profile.includes('/') || profile === '.' || profile === '..') {
    throw new InvalidInputError(`CAPO_PROFILE ${quoteValue(profile)} is not a profile name (it must not contain "/")`);
  }
  const name = `${profile}.properties`;
  return { profile, dirs, files: dirs.map((dir) => join(dir, name)) };
}

/** The files CAPO would read for this environment, in layering order (later wins); empty without a profile. */
export function capoFiles(env: Readonly<Record<string, string | undefined>>, homeDir: string): string[] {
  return [...capoLookup(env, homeDir).files];
}

/** The result of reading the CAPO files: every key's winning entry, every file's own entries, the files that existed. */
export interface CapoProperties {
  readonly entries: ReadonlyMap<string, PropertyEntry>;
  /** Every entry of every file read, in order, also those a later line or file overrides (for the typo check). */
  readonly all: readonly PropertyEntry[];
  readonly filesRead: readonly string[];
}

/**
 * Reads and layers the given files in order. A missing file is normal (most sites have no `~/.capo`); a file
 * that exists but cannot be read, is not a regular file (a FIFO would block the envoy for ever, a device never
 * ends) or is larger than MAX_PROPERTIES_BYTES is InvalidInputError naming it, because silently skipping it
 * would run the job with settings the operator did not intend.
 */
export async function readCapoFiles(files: readonly string[]): Promise<CapoProperties> {
  const entries = new Map<string, PropertyEntry>();
  const all: PropertyEntry[] = [];
  const filesRead: string[] = [];
  for (const file of files) {
    const text = await readIfPresent(file);
    if (text === undefined) continue;
    filesRead.push(file);
    for (const [key, entry] of parseProperties(text, file)) {
      all.push(entry);
      // `key =` means "not set here", as an empty environment variable does: the earlier file shows through.
      if (entry.value.trim() !== '') entries.set(key, entry);
    }
  }
  return { entries, all, filesRead };
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    const bytes = await readInputFile({ path: file, label: `CAPO properties file ${file}` }, { maxBytes: MAX_PROPERTIES_BYTES });
    return bytes.toString('utf8');
  } catch (error) {
    // ENOENT and ENOTDIR (a CAPO_PATH entry that is a file) are a missing file: CAPO skips those.
    if (error instanceof MissingInputError) return undefined;
    throw error;
  }
}
