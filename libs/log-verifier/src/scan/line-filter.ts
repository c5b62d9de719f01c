/**
 * What happens to a line that matched: continuation lines (not a record of their own) are ignored
 * altogether; benign ones are counted but are no finding.
 */
export class LineFilter {
  constructor(
    private readonly recordStart: RegExp | undefined,
    private readonly benignPatterns: readonly RegExp[],
  ) {}

  static from(recordStart: string | undefined, benign: readonly string[]): LineFilter {
    return new LineFilter(
      recordStart === undefined ? undefined : new RegExp(recordStart),
      benign.map((source) => new RegExp(source)),
    );
  }

  classify(text: string): 'finding' | 'benign' | 'continuation' {
    if (this.recordStart && !this.recordStart.test(text)) return 'continuation';
    for (const pattern of this.benignPatterns) if (pattern.test(text)) return 'benign';
    return 'finding';
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
