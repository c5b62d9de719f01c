import type { PprLocation } from './types';

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** Length of a UTF-8 byte order mark at the start of `bytes` (3), or 0. */
export function bomLength(bytes: Uint8Array): number {
  return UTF8_BOM.every((byte, index) => bytes[index] === byte) ? UTF8_BOM.length : 0;
}

/**
 * Maps offsets in the decoded text (UTF-16 units, BOM stripped: what sax counts) to byte offsets in the
 * stored file, with line and column, in one pass over the bytes. The bytes must be valid UTF-8 (they were
 * decoded with a fatal decoder) and every offset must fall between characters.
 */
export function locateOffsets(bytes: Uint8Array, textOffsets: Iterable<number>): Map<number, PprLocation> {
  const targets = [...new Set(textOffsets)].sort((a, b) => a - b);
  const located = new Map<number, PprLocation>();
  let byte = bomLength(bytes);
  let unit = 0;
  let line = 1;
  let column = 1;
  for (const target of targets) {
    while (unit < target && byte < bytes.length) {
      const lead = bytes[byte] ?? 0;
      const length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
      // A 4-byte sequence is outside the BMP: two UTF-16 units (a surrogate pair) in the decoded text.
      const units = length === 4 ? 2 : 1;
      if (lead === 0x0a) {
        line += 1;
        column = 1;
      } else {
        column += units;
      }
      unit += units;
      byte += length;
    }
    if (unit !== target) throw new Error(`text offset ${target} does not fall between characters of the file`);
    located.set(target, { offset: byte, line, column });
  }
  return located;
}
