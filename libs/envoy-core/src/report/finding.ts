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
}
