import { InvalidInputError } from '@envoys/envoy-core';
import { parseGlob } from '../files/glob';
import type { LineMatch, Rule, RuleSet } from './types';

type Json = Record<string, unknown>;

const KINDS = ['line', 'marker', 'required', 'nonEmpty'] as const;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const COMMON_KEYS = ['id', 'kind', 'description', 'baselineOnly'];
const KEYS: Record<(typeof KINDS)[number], readonly string[]> = {
  line: [...COMMON_KEYS, 'files', 'match', 'recordStart', 'continuation', 'benign'],
  marker: [...COMMON_KEYS, 'files'],
  required: [...COMMON_KEYS, 'files', 'directories'],
  nonEmpty: [...COMMON_KEYS, 'dir'],
};
/** The engine sets g and m itself and reads lines sequentially; sticky or indices flags would break that. */
const ACCEPTED_FLAGS = /^[imsuv]*$/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/** A sentence saying why the source is not a usable regular expression, or undefined when it is. */
export function regexProblem(source: unknown, flags = ''): string | undefined {
  if (typeof source !== 'string' || source.length === 0) return 'must be a non-empty string';
  if (!ACCEPTED_FLAGS.test(flags)) return `has flags "${flags}"; only i, m, s, u, v are accepted`;
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (error) {
    // V8 repeats the whole pattern ("Invalid regular expression: /<pattern>/: Unterminated group"); the message
    // that quotes this phrase shows the pattern already, and a pattern may be megabytes long.
    const reason = error instanceof Error ? error.message : String(error);
    return `is not a valid regular expression: ${reason.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '')}`;
  }
}

function unknownKeys(value: Json, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !allowed.includes(key));
}

function checkMatch(match: unknown, problems: string[]): LineMatch | undefined {
  if (!isObject(match)) {
    problems.push('match must be an object with type "field" or "regex"');
    return undefined;
  }
  if (match.type === 'field') {
    const extra = unknownKeys(match, ['type', 'separator', 'index', 'equals']);
    if (extra.length) problems.push(`match has unknown keys: ${extra.join(', ')}`);
    const { separator, index, equals } = match;
    if (typeof separator !== 'string' || separator.length === 0 || /[\r\n]/.test(separator)) {
      problems.push('match.separator must be a non-empty string without line breaks');
    }
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 10000) {
      problems.push('match.index must be an integer from 0 to 10000');
    }
    if (typeof equals !== 'string' || equals.length === 0 || /[\r\n]/.test(equals)) {
      problems.push('match.equals must be a non-empty string without line breaks');
    } else if (typeof separator === 'string' && separator.length > 0 && equals.includes(separator)) {
      problems.push('match.equals contains the separator, so no single field can equal it');
    }
    return problems.length ? undefined : { type: 'field', separator: separator as string, index: index as number, equals: equals as string };
  }
  if (match.type === 'regex') {
    const extra = unknownKeys(match, ['type', 'pattern', 'flags']);
    if (extra.length) problems.push(`match has unknown keys: ${extra.join(', ')}`);
    const flags = match.flags ?? '';
    if (typeof flags !== 'string') {
      problems.push('match.flags must be a string');
      return undefined;
    }
    const problem = regexProblem(match.pattern, flags);
    if (problem) problems.push(`match.pattern ${problem}`);
    return problems.length ? undefined : { type: 'regex', pattern: match.pattern as string, ...(flags ? { flags } : {}) };
  }
  problems.push(`match.type must be "field" or "regex", not ${JSON.stringify(match.type)}`);
  return undefined;
}

function checkFiles(value: unknown, key: string, problems: string[]): void {
  if (typeof value !== 'string') {
    problems.push(`${key} must be a string`);
    return;
  }
  const glob = parseGlob(value);
  if (typeof glob === 'string') problems.push(`${key} "${value}" ${glob}`);
}

function checkRule(raw: unknown, problems: string[]): Rule | undefined {
  if (!isObject(raw)) {
    problems.push('must be an object');
    return undefined;
  }
  const kind = raw.kind;
  if (!KINDS.includes(kind as (typeof KINDS)[number])) {
    problems.push(`kind must be one of ${KINDS.join(', ')}, not ${JSON.stringify(kind)}`);
    return undefined;
  }
  const k = kind as (typeof KINDS)[number];
  const extra = unknownKeys(raw, KEYS[k]);
  if (extra.length) problems.push(`unknown keys for a ${k} rule: ${extra.join(', ')}`);
  if (typeof raw.id !== 'string' || !ID.test(raw.id)) {
    problems.push('id must be letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  if (!isNonEmptyString(raw.description)) problems.push('description must be a non-empty string');
  if (raw.baselineOnly !== undefined && typeof raw.baselineOnly !== 'boolean') {
    problems.push('baselineOnly must be true or false');
  }
  const common = {
    id: raw.id as string,
    description: raw.description as string,
    ...(raw.baselineOnly === undefined ? {} : { baselineOnly: raw.baselineOnly as boolean }),
  };
  switch (k) {
    case 'line': {
      checkFiles(raw.files, 'files', problems);
      const match = checkMatch(raw.match, problems);
      if (raw.recordStart !== undefined) {
        const problem = regexProblem(raw.recordStart);
        if (problem) problems.push(`recordStart ${problem}`);
      }
      if (raw.continuation !== undefined) {
        const problem = regexProblem(raw.continuation);
        if (problem) problems.push(`continuation ${problem}`);
      }
      const benign = raw.benign ?? [];
      if (!Array.isArray(benign)) {
        problems.push('benign must be a list of regular expressions');
      } else {
        benign.forEach((source: unknown, i) => {
          const problem = regexProblem(source);
          if (problem) problems.push(`benign[${i}] ${JSON.stringify(source)} ${problem}`);
        });
      }
      if (problems.length || !match) return undefined;
      return {
        ...common,
        kind: 'line',
        files: raw.files as string,
        match,
        ...(raw.recordStart === undefined ? {} : { recordStart: raw.recordStart as string }),
        ...(raw.continuation === undefined ? {} : { continuation: raw.continuation as string }),
        benign: [...(benign as string[])],
      };
    }
    case 'marker':
      checkFiles(raw.files, 'files', problems);
      return problems.length ? undefined : { ...common, kind: k, files: raw.files as string };
    case 'required':
      checkFiles(raw.files, 'files', problems);
      if (raw.directories !== undefined && typeof raw.directories !== 'boolean') problems.push('directories must be true or false');
      return problems.length
        ? undefined
        : { ...common, kind: k, files: raw.files as string, ...(raw.directories === undefined ? {} : { directories: raw.directories as boolean }) };
    case 'nonEmpty':
      if (!isNonEmptyString(raw.dir) || raw.dir.includes('\0')) problems.push('dir must be a non-empty path');
      return problems.length ? undefined : { ...common, kind: 'nonEmpty', dir: raw.dir as string };
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Checks data (parsed JSON, or a RuleSet built in code) and returns a frozen copy holding only the known
 * fields. Every problem is collected, so a site fixing its configuration sees all of them at once; the
 * message names the first, the details list all.
 * @param source where the data came from (a file name), for the message
 */
export function loadRuleSet(data: unknown, source?: string): RuleSet {
  const problems: string[] = [];
  const where = source ? ` (${source})` : '';
  if (!isObject(data)) throw new InvalidInputError(`invalid rule set${where}: it must be a JSON object`);
  const label = typeof data.name === 'string' && data.name ? ` "${data.name}"` : '';
  if (!isNonEmptyString(data.name)) problems.push('name must be a non-empty string');
  if (data.description !== undefined && typeof data.description !== 'string') problems.push('description must be a string');
  const extra = unknownKeys(data, ['name', 'description', 'rules']);
  if (extra.length) problems.push(`unknown keys: ${extra.join(', ')}`);
  const rules: Rule[] = [];
  if (!Array.isArray(data.rules)) {
    problems.push('rules must be a list');
  } else {
    const seen = new Set<string>();
    data.rules.forEach((raw: unknown, i) => {
      const id = isObject(raw) && typeof raw.id === 'string' ? raw.id : undefined;
      const name = id ? `rule "${id}"` : `rules[${i}]`;
      const ruleProblems: string[] = [];
      const rule = checkRule(raw, ruleProblems);
      if (id !== undefined && seen.has(id)) ruleProblems.push('id is used by an earlier rule');
      if (id !== undefined) seen.add(id);
      problems.push(...ruleProblems.map((p) => `${name}: ${p}`));
      if (rule) rules.push(rule);
    });
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new InvalidInputError(`invalid rule set${label}${where}: ${problems[0]}${more}`, problems);
  }
  return deepFreeze({
    name: data.name as string,
    ...(data.description === undefined ? {} : { description: data.description as string }),
    rules,
  });
}
