/** Where a message's continuation lines are: lines that do not start a record, or that say they continue one. */
export interface MessageShape {
  readonly recordStart?: RegExp;
  readonly continuation?: RegExp;
}

/** True when the line continues the message before it (it is not a message of its own). */
export function continuesMessage(shape: MessageShape, text: string): boolean {
  return (shape.recordStart !== undefined && !shape.recordStart.test(text)) || (shape.continuation?.test(text) ?? false);
}

/** True when the whole message (its lines joined by newlines) matches one of the benign patterns. */
export function isBenignMessage(patterns: readonly RegExp[], lines: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  const message = lines.join('\n');
  return patterns.some((pattern) => pattern.test(message));
}

/**
 * What happens to a line that matched: continuation lines (not a message of their own) are ignored
 * altogether; a line that is benign by itself is counted but is no finding. Whether the rest of a message
 * makes it benign is decided once its continuation lines are read (checks/line-rules.ts).
 */
export class LineFilter {
  constructor(
    private readonly shape: MessageShape,
    readonly benignPatterns: readonly RegExp[],
  ) {}

  static from(recordStart: string | undefined, continuation: string | undefined, benign: readonly string[]): LineFilter {
    return new LineFilter(
      {
        ...(recordStart === undefined ? {} : { recordStart: new RegExp(recordStart) }),
        ...(continuation === undefined ? {} : { continuation: new RegExp(continuation) }),
      },
      benign.map((source) => new RegExp(source)),
    );
  }

  classify(text: string): 'finding' | 'benign' | 'continuation' {
    if (continuesMessage(this.shape, text)) return 'continuation';
    return isBenignMessage(this.benignPatterns, [text]) ? 'benign' : 'finding';
  }
}

/** Finding texts are for people and reports: one screen line's worth, marked when cut. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  // Do not leave half of a surrogate pair at the cut.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
