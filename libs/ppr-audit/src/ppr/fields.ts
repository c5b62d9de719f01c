import { bareNameProblem } from '../names';
import { quote } from '../problems';
import { describeValueType, hasSurroundingSpace, pipelineValueType } from './cast';
import type { PprElement, PprLocation } from './types';

/** `label:line:column` of an element, as every PPR problem starts. */
export function place(label: string, at: PprLocation): string {
  return `${label}:${at.line}:${at.column}`;
}

/**
 * Why the pipeline reads no value from an element (XmlObjectifier.getValue needs exactly one child node that
 * is text), or undefined when it does.
 */
export function unreadable(element: PprElement): string | undefined {
  const content = element.content;
  if (content.kinds.includes('cdata')) return 'holds a CDATA section: the pipeline reads no text from one';
  if (content.kinds.includes('comment')) return 'has a comment inside: the pipeline then reads no value from it';
  if (content.kinds.includes('element')) return 'holds elements, not text';
  if (content.kinds.includes('instruction')) return 'has a processing instruction inside: the pipeline then reads no value from it';
  if (content.nodes === 0) return 'is empty: the pipeline reads no value from it';
  if (content.truncated) return 'is longer than 64 KiB (not expected in a PPR)';
  return undefined;
}

export interface TextRules {
  /** The pipeline adds the value to a text, or uses it as a path: it must stay a string. */
  readonly string?: string;
  /** The value names something (a task, a directory): white space around it is part of the name. */
  readonly verbatim?: string;
  /** The value is a directory name in rawdata/. */
  readonly bareName?: boolean;
}

/**
 * The problem of an element whose text the pipeline reads, as `<what> <why>`, or undefined. `what` names
 * the element in the message (e.g. "SdmIdentifier" or "Parameter Keyword").
 */
export function textProblem(element: PprElement, what: string, rules: TextRules): string | undefined {
  const notRead = unreadable(element);
  if (notRead) return `${what} ${notRead}`;
  const text = element.content.text;
  if (rules.verbatim && hasSurroundingSpace(text)) return `${what} ${quote(text)} has white space around it: the pipeline reads it verbatim (${rules.verbatim})`;
  if (rules.string) {
    const type = pipelineValueType(text);
    if (type !== 'string') return `${what} ${quote(text)} is read by the pipeline as ${describeValueType(type)}, not as text (${rules.string})`;
  }
  if (rules.bareName) {
    const reason = bareNameProblem(text);
    if (reason) return `${what} ${quote(text)} ${reason} (the data are read from rawdata/<${what}>)`;
  }
  return undefined;
}
