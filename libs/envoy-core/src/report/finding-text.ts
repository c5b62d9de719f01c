import type { Finding } from './finding';

/** `file:line: rule: text`, the one line that names a finding. */
export function findingSummary(finding: Finding): string {
  const where = finding.line === null ? finding.file : `${finding.file}:${finding.line}`;
  return `${where}: ${finding.rule}: ${finding.text}`;
}

/**
 * The finding's line among its context, numbered like an editor shows them, the finding marked with `>`:
 * what a person needs to see on a terminal to know why the run failed without opening the log.
 */
export function findingContextLines(finding: Finding): string[] {
  const { context, line } = finding;
  if (!context || line === null) return [];
  const first = line - context.before.length;
  const last = line + context.after.length;
  const width = String(last).length;
  const numbered = (number: number, text: string, mark: string) => `${mark} ${String(number).padStart(width)} | ${text}`;
  return [
    ...context.before.map((text, i) => numbered(first + i, text, ' ')),
    numbered(line, finding.text, '>'),
    ...context.after.map((text, i) => numbered(line + 1 + i, text, ' ')),
  ];
}
