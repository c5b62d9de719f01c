// Error lines echo values from inputs (file names, settings, XML text, tar member names). On a terminal a raw
// ESC starts an escape sequence, a NUL or a line break breaks the one-line contract, and a megabyte value buries
// the reason: every error line is made safe here, and values are quoted here.

/** The longest error line printed: longer ones keep their start and their end (the reason) and lose the middle. */
export const MAX_LINE_CHARS = 1000;

/** The longest value quoted into a message. */
export const MAX_VALUE_CHARS = 200;

// C0 and C1 controls but the tab (CASA's log lines are tab-separated, and a tab moves nothing but the cursor),
// DEL, the line and paragraph separators, and the bidirectional overrides and isolates (which make a terminal
// show text in another order than it is).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default:
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
}

/** The text with every control character but the tab written as an escape (`\x1b`, `\n`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Cuts the middle out of a text longer than `max`, saying how much was left out. Never splits a surrogate pair. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const keepEnd = Math.floor(max / 3);
  let head = max - keepEnd;
  let tail = text.length - keepEnd;
  if (/[\ud800-\udbff]/.test(text.charAt(head - 1))) head -= 1;
  if (/[\udc00-\udfff]/.test(text.charAt(tail))) tail += 1;
  return `${text.slice(0, head)}…[${tail - head} characters left out]…${text.slice(tail)}`;
}

/** One line of an error message as printed: control characters escaped, at most MAX_LINE_CHARS long. */
export function oneLine(text: string, max = MAX_LINE_CHARS): string {
  return shorten(escapeControls(text), max);
}

/** A value quoted for a message: in double quotes, control characters and quotes escaped, long ones shortened. */
export function quoteValue(value: string, max = MAX_VALUE_CHARS): string {
  return `"${shorten(escapeControls(value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')), max)}"`;
}
