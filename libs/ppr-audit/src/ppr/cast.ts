/**
 * How CASA's pipeline converts the text of a PPR element (XmlObjectifier.castType): text that Python's int()
 * or float() accepts becomes a number, `true`/`false` in any case a boolean, and in the pipelines that read
 * literals (PIPE-585, PIPE-1428) a list, tuple or dict literal that type. The pipeline then uses the value
 * as a path or adds it to a text, which fails for anything but a string. Older pipelines convert less, so
 * this answers for the union: a text called `string` here stays a string in every pipeline.
 */
export type PipelineValueType = 'int' | 'float' | 'bool' | 'literal' | 'string';

// The characters Python's str.isspace() accepts: int(), float() and str.strip() skip them.
const SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
// Any Unicode decimal digit counts (int('٤٧') is 47); one underscore may stand between two digits.
const DIGITS = '\\p{Nd}(?:_?\\p{Nd})*';
const INT = new RegExp(`^${SPACE}*[+-]?${DIGITS}${SPACE}*$`, 'u');
const FLOAT = new RegExp(
  `^${SPACE}*[+-]?(?:(?:${DIGITS})?\\.${DIGITS}(?:[eE][+-]?${DIGITS})?|${DIGITS}\\.?(?:[eE][+-]?${DIGITS})?|nan|inf|infinity)${SPACE}*$`,
  'iu',
);
const LEADING_SPACE = new RegExp(`^${SPACE}+`, 'u');

export function pipelineValueType(text: string): PipelineValueType {
  if (INT.test(text)) return 'int';
  if (FLOAT.test(text)) return 'float';
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === 'false') return 'bool';
  // Whether ast.literal_eval would accept it is not decided here: any text that may be such a literal counts.
  if (/^[[({]/.test(text.replace(LEADING_SPACE, ''))) return 'literal';
  return 'string';
}

const SURROUNDING_SPACE = new RegExp(`^${SPACE}|${SPACE}$`, 'u');

/** Whether the text has white space (as Python sees it) at either end. */
export function hasSurroundingSpace(text: string): boolean {
  return SURROUNDING_SPACE.test(text);
}

const DESCRIPTIONS: Record<Exclude<PipelineValueType, 'string'>, string> = {
  int: 'an integer',
  float: 'a floating-point number',
  bool: 'a boolean',
  literal: 'a Python list, tuple or dict',
};

/** "an integer", ... for messages: what the pipeline makes of a text that does not stay a string. */
export function describeValueType(type: Exclude<PipelineValueType, 'string'>): string {
  return DESCRIPTIONS[type];
}
