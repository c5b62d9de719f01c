import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '..', 'fixtures');

/** The example PPR of the specification, as text. */
export const EXAMPLE_PPR = readFileSync(join(FIXTURES, 'PPR.xml'), 'utf8');

/** The example metadata.json of the specification, parsed. */
export const EXAMPLE_METADATA: Readonly<Record<string, unknown>> = JSON.parse(readFileSync(join(FIXTURES, 'metadata.json'), 'utf8'));

/** Temporary directories made during a test file, removed after it. */
export function useTempDirs(): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'ppr-audit-'));
    made.push(dir);
    return dir;
  };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** `text` with `from` replaced by `to`; `from` must occur exactly once, so a fixture edit cannot miss. */
export function replaceOnce(text: string, from: string, to: string): string {
  const first = text.indexOf(from);
  if (first < 0 || text.indexOf(from, first + 1) >= 0) throw new Error(`fixture: ${JSON.stringify(from)} must occur exactly once`);
  return text.slice(0, first) + to + text.slice(first + from.length);
}
