/**
 * A rule set is plain data (JSON) so that sites can add rules through configuration instead of code: the
 * observatory's own envoy hard-coded one SEVERE message and missed every other (CONTRACT 4.8).
 */

/** Field N of the line (split on `separator`, 0-based) equals `equals` exactly. */
export interface FieldMatch {
  readonly type: 'field';
  readonly separator: string;
  readonly index: number;
  readonly equals: string;
}

/** A JavaScript regular expression; `g`, `y` and `d` are the engine's business and not accepted. */
export interface RegexMatch {
  readonly type: 'regex';
  readonly pattern: string;
  readonly flags?: string;
}

export type LineMatch = FieldMatch | RegexMatch;

interface RuleBase {
  /** Becomes Finding.rule: letters, digits, `.`, `_`, `-`. */
  readonly id: string;
  readonly description: string;
  /** The rule needs to know what existed before the run; it is skipped when re-checking an old run. */
  readonly baselineOnly?: boolean;
}

/** Every line of every matching file that matches is a finding, unless it is benign or a continuation line. */
export interface LineRule extends RuleBase {
  readonly kind: 'line';
  /** Relative to the base directory; `*` and `?` only in the last path component. */
  readonly files: string;
  readonly match: LineMatch;
  /**
   * Regular expression a line must match at its start to be a record of its own; other lines continue the
   * previous message and are never findings. Absent: every line is a record.
   */
  readonly recordStart?: string;
  /**
   * Regular expression of lines that continue the previous message although they start like a record: CASA
   * writes every line of a message with the full prefix, the origin followed by `+`. Such lines are never
   * findings; they belong to the message before them.
   */
  readonly continuation?: string;
  /**
   * Regular expressions: a finding whose message (its line and its continuation lines, joined by newlines)
   * matches one of these is not a finding.
   */
  readonly benign?: readonly string[];
}

/** Every matching file is a finding (a failure marker). */
export interface MarkerRule extends RuleBase {
  readonly kind: 'marker';
  readonly files: string;
}

/** A finding when no file matches. */
export interface RequiredRule extends RuleBase {
  readonly kind: 'required';
  readonly files: string;
  /** Directories match instead of regular files (a MeasurementSet is a directory). */
  readonly directories?: boolean;
}

/** A finding when nothing in the directory (recursively) is new or changed; without a baseline: is empty. */
export interface NonEmptyRule extends RuleBase {
  readonly kind: 'nonEmpty';
  readonly dir: string;
}

export type Rule = LineRule | MarkerRule | RequiredRule | NonEmptyRule;
export type RuleKind = Rule['kind'];

export interface RuleSet {
  readonly name: string;
  readonly description?: string;
  readonly rules: readonly Rule[];
}
