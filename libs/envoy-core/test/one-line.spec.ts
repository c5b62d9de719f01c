import { escapeControls, MAX_LINE_CHARS, oneLine, quoteValue, shorten } from '../src/report/one-line';

describe('one-line error text', () => {
  it('escapes control characters, line breaks, DEL, C1 controls and bidirectional overrides, and keeps tabs', () => {
    expect(escapeControls('a\u001b[2Jb\u0000c\nd\re\tf\u007fg\u009bh\u202ei\u2028j')).toBe('a\\x1b[2Jb\\x00c\\nd\\re\tf\\x7fg\\x9bh\\u202ei\\u2028j');
  });

  it('leaves ordinary text, accents and other scripts alone', () => {
    expect(escapeControls('Ångström 観測 — ok')).toBe('Ångström 観測 — ok');
  });

  it('shortens the middle and keeps the end, where the reason is', () => {
    const line = `setting x = "${'v'.repeat(5000)}" from y is not a number`;
    const shown = oneLine(line);
    expect(shown.length).toBeLessThanOrEqual(MAX_LINE_CHARS + 40);
    expect(shown.startsWith('setting x = "vvv')).toBe(true);
    expect(shown.endsWith('" from y is not a number')).toBe(true);
    expect(shown).toMatch(/…\[\d+ characters left out\]…/);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(100);
    const shown = shorten(text, 51);
    expect(shown).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(shown).not.toMatch(/(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('quotes a value with its quotes and backslashes escaped', () => {
    expect(quoteValue('a"b\\c\u0007')).toBe('"a\\"b\\\\c\\x07"');
    expect(quoteValue('x'.repeat(300)).length).toBeLessThan(260);
  });
});
