// The few pieces of Python the pipeline's PPR reading rests on, ported so that the emulator converts and
// joins values exactly as the pipeline does: XmlObjectifier.castType (int(), float(), 'true'/'false', and
// list/tuple/dict literals through ast.literal_eval), os.path.join and the exceptions they raise.

/** A Python exception: `type` is its class name as a traceback shows it. */
class PyError extends Error {
  constructor(type, message) {
    super(message);
    this.pythonType = type;
  }
}

// str.strip() and int()/float() skip the characters str.isspace() accepts.
const SPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
// A digit is any Unicode decimal digit (int('٤٧') == 47); '_' may stand between two digits.
const DIGITS = '\\p{Nd}(?:_?\\p{Nd})*';
const INT = new RegExp(`^${SPACE}*[+-]?${DIGITS}${SPACE}*$`, 'u');
const FLOAT = new RegExp(
  `^${SPACE}*[+-]?(?:(?:${DIGITS})?\\.${DIGITS}(?:[eE][+-]?${DIGITS})?|${DIGITS}\\.?(?:[eE][+-]?${DIGITS})?|nan|inf|infinity)${SPACE}*$`,
  'iu',
);
const STRIP = new RegExp(`^${SPACE}+|${SPACE}+$`, 'gu');

const pyStrip = (text) => text.replace(STRIP, '');

/** The digits of `text` as ASCII (Python reads any decimal digit); underscores and spaces dropped. */
function asciiDigits(text) {
  const isDigit = (code) => /\p{Nd}/u.test(String.fromCodePoint(code));
  return pyStrip(text)
    .replace(/_/g, '')
    .replace(/\p{Nd}/gu, (digit) => {
      // Decimal digits come in runs of ten, zero first: the value is the position in the run.
      let code = digit.codePointAt(0);
      let value = 0;
      while (isDigit(code - 1)) {
        code -= 1;
        value += 1;
      }
      return String(value % 10);
    });
}

/** A tiny reader of Python literals, enough to tell what ast.literal_eval would make of a text. */
class LiteralReader {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  skip() {
    for (;;) {
      const match = /^(?:[ \t\f\n\r]+|#[^\n]*|\\\n)/.exec(this.text.slice(this.at));
      if (!match) return;
      this.at += match[0].length;
    }
  }

  peek(token) {
    this.skip();
    return this.text.startsWith(token, this.at);
  }

  take(token) {
    if (!this.peek(token)) throw new SyntaxError(`expected ${token}`);
    this.at += token.length;
  }

  sequence(close) {
    const items = [];
    let trailingComma = false;
    while (!this.peek(close)) {
      items.push(this.value());
      trailingComma = false;
      if (this.peek(',')) {
        this.take(',');
        trailingComma = true;
      } else break;
    }
    this.take(close);
    return { items, trailingComma };
  }

  value() {
    this.skip();
    const rest = this.text.slice(this.at);
    if (this.peek('[')) {
      this.take('[');
      return { type: 'list', value: this.sequence(']').items };
    }
    if (this.peek('(')) {
      this.take('(');
      const { items, trailingComma } = this.sequence(')');
      // (1) is the number 1, not a tuple; () and (1,) are tuples.
      if (items.length === 1 && !trailingComma) return items[0];
      return { type: 'tuple', value: items };
    }
    if (this.peek('{')) {
      this.take('{');
      if (this.peek('}')) {
        this.take('}');
        return { type: 'dict', value: [] };
      }
      const first = this.value();
      if (this.peek(':')) {
        const entries = [];
        this.take(':');
        entries.push([first, this.value()]);
        while (this.peek(',')) {
          this.take(',');
          if (this.peek('}')) break;
          const key = this.value();
          this.take(':');
          entries.push([key, this.value()]);
        }
        this.take('}');
        return { type: 'dict', value: entries };
      }
      const items = [first];
      while (this.peek(',')) {
        this.take(',');
        if (this.peek('}')) break;
        items.push(this.value());
      }
      this.take('}');
      return { type: 'set', value: items };
    }
    const string = /^(?:[rRbBuU]|[rR][bB]|[bB][rR])?('''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\[\s\S])*'|"(?:[^"\\\n]|\\[\s\S])*")/.exec(rest);
    if (string) {
      this.at += string[0].length;
      return { type: 'str', value: string[1] };
    }
    const number = /^[+-]*(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d[\d_]*)?[jJ]?)/.exec(rest);
    if (number && /\d/.test(number[0])) {
      this.at += number[0].length;
      return { type: 'number', value: number[0] };
    }
    const constant = /^(True|False|None)(?![\w])/.exec(rest);
    if (constant) {
      this.at += constant[0].length;
      return { type: 'constant', value: constant[1] };
    }
    throw new SyntaxError('not a literal');
  }

  whole() {
    const value = this.value();
    this.skip();
    if (this.at !== this.text.length) throw new SyntaxError('trailing text');
    return value;
  }
}

/** ast.literal_eval(text)'s kind ('list', 'tuple', 'dict', ...), or undefined where it raises. */
function literalKind(text) {
  try {
    // literal_eval strips leading spaces and tabs before parsing.
    return new LiteralReader(text.replace(/^[ \t]+/, '')).whole().type;
  } catch {
    return undefined;
  }
}

/**
 * XmlObjectifier.castType as of the pipeline that reads list, tuple and dict literals (PIPE-585, PIPE-1428):
 * returns { type: 'int' | 'float' | 'bool' | 'list' | 'tuple' | 'dict' | 'str', value }, `value` being
 * the text for every type but 'bool' (true/false) and 'str' (the text itself).
 */
function castType(text) {
  if (INT.test(text)) return { type: 'int', value: asciiDigits(text) };
  if (FLOAT.test(text)) return { type: 'float', value: pyStrip(text) };
  const lower = text.toLowerCase();
  if (lower === 'false') return { type: 'bool', value: false };
  if (lower === 'true') return { type: 'bool', value: true };
  const kind = literalKind(text);
  const first = pyStrip(text)[0];
  if ((kind === 'list' && first === '[') || (kind === 'tuple' && first === '(') || (kind === 'dict' && first === '{')) {
    return { type: kind, value: text };
  }
  return { type: 'str', value: text };
}

/** repr() of a converted value, for tracebacks and log lines. */
function pyRepr(cast) {
  switch (cast.type) {
    case 'str':
      return `'${cast.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
    case 'bool':
      return cast.value ? 'True' : 'False';
    default:
      return pyStrip(String(cast.value));
  }
}

/** str() of a converted value. */
const pyStr = (cast) => (cast.type === 'str' ? cast.value : cast.type === 'bool' ? (cast.value ? 'True' : 'False') : pyRepr(cast));

/** os.path.join (posixpath) of converted values: anything but a str is the TypeError Python raises. */
function pathJoin(...parts) {
  for (const part of parts) {
    if (part.type !== 'str') {
      const typeName = part.type === 'bool' ? 'bool' : part.type;
      throw new PyError('TypeError', `join() argument must be str, bytes, or os.PathLike object, not '${typeName}'`);
    }
  }
  let path = parts[0].value;
  for (const part of parts.slice(1)) {
    const b = part.value;
    if (b.startsWith('/')) path = b;
    else if (path === '' || path.endsWith('/')) path += b;
    else path += `/${b}`;
  }
  return path;
}

const str = (value) => ({ type: 'str', value });

/** `"..." + value` in Python: only a str may be added to a str. */
function concat(prefix, cast) {
  if (cast.type !== 'str') {
    throw new PyError('TypeError', `can only concatenate str (not "${cast.type}") to str`);
  }
  return prefix + cast.value;
}

module.exports = { PyError, castType, pyRepr, pyStr, pyStrip, pathJoin, concat, str };
