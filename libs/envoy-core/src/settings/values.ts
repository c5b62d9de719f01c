import type { SettingSpec, SettingValue } from './spec';

/** A value converted to its setting's type, or why it cannot be (a phrase that completes "... is"). */
export type Conversion =
  | { readonly ok: true; readonly value: SettingValue }
  | { readonly ok: false; readonly problem: string };

// Plain decimals only: exponents, hex, `Infinity` and `NaN` are what Number() would also accept, and each
// has surprised someone who typed a duration.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const INTEGER = /^[+-]?\d+$/;
// A Map, not an object literal: `constructor` or `__proto__` must not look like a boolean.
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['yes', true],
  ['on', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['off', false],
  ['0', false],
]);

/** Converts a setting's text (already trimmed) to its type and checks the spec's bounds. */
export function convert(spec: SettingSpec, text: string): Conversion {
  switch (spec.type) {
    case 'string':
      return { ok: true, value: text };
    case 'path':
      return checkPath(text);
    case 'url':
      return checkUrl(spec, text);
    case 'boolean': {
      const value = BOOLEANS.get(text.toLowerCase());
      return value === undefined ? fail('not a boolean (true/false, yes/no, on/off, 1/0)') : { ok: true, value };
    }
    case 'number':
      return DECIMAL.test(text) ? checkRange(spec, Number(text)) : fail('not a number');
    case 'integer':
      return INTEGER.test(text) ? checkRange(spec, Number(text)) : fail('not an integer');
  }
}

/** The same checks for a built-in default, which skips the text step but must still fit its own spec. */
export function checkDefault(spec: SettingSpec, value: SettingValue): Conversion {
  switch (spec.type) {
    case 'string':
    case 'path':
    case 'url':
      return typeof value === 'string' ? convert(spec, value) : fail(`not a string but a ${typeof value}`);
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail(`not a boolean but a ${typeof value}`);
    case 'number':
    case 'integer':
      return typeof value === 'number' ? checkRange(spec, value) : fail(`not a number but a ${typeof value}`);
  }
}

function checkRange(spec: SettingSpec, value: number): Conversion {
  // Huge digit strings pass the pattern and still become Infinity.
  if (!Number.isFinite(value)) return fail('not a finite number');
  if (spec.type === 'integer' && !Number.isSafeInteger(value)) return fail('not an integer in the safe range');
  if (spec.min !== undefined && value < spec.min) return fail(`less than the minimum ${spec.min}`);
  if (spec.max !== undefined && value > spec.max) return fail(`more than the maximum ${spec.max}`);
  return { ok: true, value };
}

function checkPath(text: string): Conversion {
  if (text === '') return fail('not a path (it is empty)');
  // A NUL byte cannot be passed to any system call; Node would fail later with an obscure message.
  if (text.includes('\0')) return fail('not a path (it contains a NUL byte)');
  return { ok: true, value: text };
}

function checkUrl(spec: SettingSpec, text: string): Conversion {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('not a URL');
  }
  if (spec.protocols && !spec.protocols.includes(url.protocol)) {
    return fail(`not a ${spec.protocols.map((p) => p.replace(/:$/, '')).join(' or ')} URL`);
  }
  // The text is kept as written: URL.href would add a trailing slash that breaks `${base}/path` joins.
  return { ok: true, value: text };
}

function fail(problem: string): Conversion {
  return { ok: false, problem };
}
