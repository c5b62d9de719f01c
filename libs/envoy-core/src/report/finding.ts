/**
 * One piece of evidence that an external system failed: where it was found and what it says. Findings go
 * into the run report and are printed on failure; `line` is null when the finding concerns a whole file
 * (a marker file that exists, a directory that stayed empty).
 */
export interface Finding {
  readonly file: string;
  readonly line: number | null;
  readonly rule: string;
  readonly text: string;
  /** The log lines around a line finding, so that a reader sees why without opening the log. */
  readonly context?: FindingContext;
}

/** Lines around a finding, bounded in number and length. */
export interface FindingContext {
  /** The lines just before the finding's line, oldest first. */
  readonly before: readonly string[];
  /**
   * The lines after it: the message's continuation lines (a SEVERE's traceback) where the rule knows where
   * messages start and there are some, otherwise the next few lines.
   */
  readonly after: readonly string[];
}
