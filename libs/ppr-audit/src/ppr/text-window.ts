import type { PprLocation } from './types';

interface Chunk {
  readonly text: string;
  /** Offset of the chunk's first UTF-16 unit in the decoded text. */
  readonly start: number;
}

/**
 * The most recent stretch of a document's decoded text, with a cursor that maps text offsets (UTF-16 units,
 * BOM stripped: what the parser's `position` counts) to byte offsets in the stored UTF-8 file and to lines and columns. Offsets
 * are resolved in increasing order as the parser reaches them, and text before the oldest offset still
 * needed is released, so memory stays bounded however large the document is.
 */
export class TextWindow {
  private readonly chunks: Chunk[] = [];
  private end = 0;
  // The cursor: a text offset and what it maps to.
  private unit = 0;
  private byte: number;
  private line = 1;
  private column = 1;

  /** `bomBytes`: the bytes of a byte-order mark before the decoded text (3 or 0). */
  constructor(bomBytes: number) {
    this.byte = bomBytes;
  }

  /** Text offset just after the last appended text. */
  get length(): number {
    return this.end;
  }

  /** Text offset of the cursor: nothing before it can be resolved or read any more. */
  get cursor(): number {
    return this.unit;
  }

  append(text: string): void {
    if (text === '') return;
    this.chunks.push({ text, start: this.end });
    this.end += text.length;
  }

  /** The retained text between two offsets. */
  slice(from: number, to: number): string {
    let out = '';
    for (const chunk of this.chunks) {
      const chunkEnd = chunk.start + chunk.text.length;
      if (chunkEnd <= from || chunk.start >= to) continue;
      out += chunk.text.slice(Math.max(from - chunk.start, 0), Math.min(to - chunk.start, chunk.text.length));
    }
    return out;
  }

  /** Offset of the last `char` (one UTF-16 unit) before `before` in the retained text, or -1. */
  lastIndexOf(char: string, before: number): number {
    for (let index = this.chunks.length - 1; index >= 0; index -= 1) {
      const chunk = this.chunks[index] as Chunk;
      if (chunk.start >= before) continue;
      const found = chunk.text.lastIndexOf(char, before - chunk.start - 1);
      if (found >= 0) return chunk.start + found;
    }
    return -1;
  }

  /** Where text offset `target` is; offsets must come in increasing order and must not have been released. */
  resolve(target: number): PprLocation {
    if (target < this.unit) throw new Error(`text offset ${target} was already passed (cursor at ${this.unit})`);
    this.advance(target);
    return { offset: this.byte, line: this.line, column: this.column };
  }

  /** Forgets the text before `offset` (the cursor moves there first). */
  release(offset: number): void {
    const target = Math.min(offset, this.end);
    if (target > this.unit) this.advance(target);
    while (this.chunks.length > 1) {
      const first = this.chunks[0] as Chunk;
      if (first.start + first.text.length > this.unit) break;
      this.chunks.shift();
    }
  }

  private advance(target: number): void {
    for (const chunk of this.chunks) {
      const chunkEnd = chunk.start + chunk.text.length;
      if (chunkEnd <= this.unit) continue;
      const text = chunk.text;
      let index = this.unit - chunk.start;
      const stop = Math.min(target, chunkEnd) - chunk.start;
      while (index < stop) {
        const code = text.charCodeAt(index);
        if (code === 0x0a) {
          this.line += 1;
          this.column = 1;
        } else {
          this.column += 1;
        }
        // UTF-8 length: a surrogate pair (4 bytes) is counted on its high half.
        if (code < 0x80) this.byte += 1;
        else if (code < 0x800) this.byte += 2;
        else if (code >= 0xd800 && code <= 0xdbff) this.byte += 4;
        else if (code >= 0xdc00 && code <= 0xdfff) this.byte += 0;
        else this.byte += 3;
        index += 1;
      }
      this.unit = chunk.start + index;
      if (this.unit >= target) return;
    }
    if (this.unit !== target) throw new Error(`text offset ${target} is beyond the text read (${this.end})`);
  }
}
