/** Where a JSON text stops being JSON. */
export interface JsonSyntaxError {
  /** Offset in UTF-16 units. */
  readonly offset: number;
  readonly reason: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = '"\\/bfnrt';

function describe(char: string | undefined): string {
  return char === undefined ? 'end of input' : JSON.stringify(char);
}

/**
 * Finds the first syntax error of a JSON text. Node 20's JSON.parse does not always say where it failed,
 * and an operator fixing metadata.json by hand needs the line and column. Iterative, so that deep nesting
 * cannot overflow the stack. Returns undefined for valid JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const containers: Array<'{' | '['> = [];
  let i = 0;
  const skipWhitespace = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i += 1;
  };
  const fail = (reason: string, offset = i): JsonSyntaxError => ({ offset, reason });
  const scanString = (): JsonSyntaxError | undefined => {
    const start = i;
    i += 1;
    for (;;) {
      const char = text[i];
      if (char === undefined) return fail('unterminated string', start);
      if (char === '"') {
        i += 1;
        return undefined;
      }
      if (char < ' ') return fail(`control character ${JSON.stringify(char)} inside a string`);
      if (char === '\\') {
        const escaped = text[i + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('invalid \\u escape');
          i += 6;
        } else if (escaped !== undefined && ESCAPES.includes(escaped)) {
          i += 2;
        } else {
          return fail(`invalid escape ${describe(escaped === undefined ? undefined : `\\${escaped}`)}`);
        }
      } else {
        i += 1;
      }
    }
  };

  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    skipWhitespace();
    const char = text[i];
    if (state === 'key') {
      if (char !== '"') return fail(`expected a quoted field name, found ${describe(char)}`);
      const error = scanString();
      if (error) return error;
      skipWhitespace();
      if (text[i] !== ':') return fail(`expected ":" after the field name, found ${describe(text[i])}`);
      i += 1;
      state = 'value';
    } else if (state === 'value') {
      if (char === '{' || char === '[') {
        i += 1;
        skipWhitespace();
        if (text[i] === (char === '{' ? '}' : ']')) {
          i += 1;
          state = 'after';
        } else {
          containers.push(char);
          state = char === '{' ? 'key' : 'value';
        }
      } else if (char === '"') {
        const error = scanString();
        if (error) return error;
        state = 'after';
      } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return fail('invalid number');
        i = NUMBER.lastIndex;
        state = 'after';
      } else {
        const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
        if (!literal) return fail(`unexpected ${describe(char)}`);
        i += literal.length;
        state = 'after';
      }
    } else {
      const open = containers[containers.length - 1];
      if (open === undefined) return char === undefined ? undefined : fail(`unexpected ${describe(char)} after the end of the JSON value`);
      const close = open === '{' ? '}' : ']';
      if (char === ',') {
        i += 1;
        state = open === '{' ? 'key' : 'value';
      } else if (char === close) {
        i += 1;
        containers.pop();
      } else {
        return fail(`expected "," or "${close}", found ${describe(char)}`);
      }
    }
  }
}

/** 1-based line and column of an offset, for messages. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
