import { join } from 'node:path';
import { InvalidInputError, MissingInputError } from '../errors';
import { readInputFile } from '../files/input-file';
import { quoteValue } from '../report/one-line';

/**
 * The most a properties file may hold. Real ones are tens of kilobytes; this bound is a hundred times that, so
 * it only ever stops a file that is not a properties file at all (a device, a runaway log) from filling memory.
 */
export const MAX_PROPERTIES_BYTES = 4 * 1024 * 1024;

/** One `key = value` line of a CAPO properties file, remembered with its origin for error messages. */
export interface PropertyEntry {
  readonly value: string;
  readonly line: number;
  readonly file: string;
}

/**
 * Parses CAPO properties text into lower-cased keys. Never fails: CAPO files are shared by many programs,
 * so a line this envoy cannot make sense of is somebody else's business and is skipped.
 * A later line for the same key wins, as in a later file.
 */
export function parseProperties(text: string, file: string): Map<string, PropertyEntry> {
  const entries = new Map<string, PropertyEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const equals = raw.indexOf('=');
    if (equals < 0) return;
    const key = raw.slice(0, equals).trim().toLowerCase();
    if (key === '') return;
    entries.set(key, { value: stripInlineComment(raw.slice(equals + 1)).trim(), line: index + 1, file });
  });
  return entries;
}

// Only a comment sign after whitespace ends the value, so URLs with fragments (`https://h/#x`) and
// values like `a;b` survive.
function stripInlineComment(value: string): string {
  const match = /\s[#;]/.exec(value);
  return match ? value.slice(0, match.index) : value;
}

/**
 * The files CAPO would read for this environment, in the order they are layered (later wins): one per
 * non-empty `CAPO_PATH` entry, then the user's own `~/.capo`. Empty without a profile.
 */
export function capoFiles(env: Readonly<Record<string, string | undefined>>, homeDir: string): string[] {
  const profile = env['CAPO_PROFILE'];
  if (profile === undefined || profile === '') return [];
  // A profile is a name, not a path: with a separator it would read files CAPO itself never would.
  if (profile.includes('/') || profile === '.' || profile === '..') {
    throw new InvalidInputError(`CAPO_PROFILE ${quoteValue(profile)} is not a profile name (it must not contain "/")`);
  }
  const name = `${profile}.properties`;
  const dirs = (env['CAPO_PATH'] ?? '').split(':').filter((dir) => dir !== '');
  return [...dirs.map((dir) => join(dir, name)), join(homeDir, '.capo', name)];
}

/** The result of reading the CAPO files: every key's winning entry, and the files that existed. */
export interface CapoProperties {
  readonly entries: ReadonlyMap<string, PropertyEntry>;
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
  const filesRead: string[] = [];
  for (const file of files) {
    const text = await readIfPresent(file);
    if (text === undefined) continue;
    filesRead.push(file);
    for (const [key, entry] of parseProperties(text, file)) {
      // `key =` means "not set here", as an empty environment variable does: the earlier file shows through.
      if (entry.value !== '') entries.set(key, entry);
    }
  }
  return { entries, filesRead };
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
