import { InvalidInputError } from '@envoys/envoy-core';

/**
 * The error for a failed audit (exit 65). An operator first sees only the message, so it names the first
 * problem and how many follow; `details` carries every problem so that one run shows them all.
 */
export function auditFailure(problems: readonly string[]): InvalidInputError {
  const lines = problems.map(oneLine);
  const more = lines.length - 1;
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '';
  return new InvalidInputError(`audit failed: ${lines[0] ?? 'no problem was named'}${suffix}`, lines);
}

/** Problems end up in one-line log records and messages; a value from a file must not break the line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

const MAX_QUOTED = 160;

/** A value from an input file, quoted for a message: escaped (no raw line breaks) and cut when very long. */
export function quote(value: string): string {
  const cut = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}...` : value;
  return JSON.stringify(cut);
}
