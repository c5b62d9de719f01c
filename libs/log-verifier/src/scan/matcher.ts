/**
 * The contract between the streaming loop and a rule's matching: the loop hands over blocks of whole lines
 * (the last line of a block may lack its newline: end of file, or a long line cut at the line limit) and the
 * file offset of each block; the matcher reports matching lines by the offset of their first byte, so that
 * line numbers need only be counted when something was found.
 */
export interface BlockMatcher {
  scan(block: Buffer, blockOffset: number): void;
}

/** Receives a matcher's results for one rule in one file. */
export interface MatchSink {
  matched(lineOffset: number, text: string): void;
  benign(): void;
}

export interface MatcherFactory {
  readonly ruleId: string;
  /** @param histogram byte counts of the file's first chunk, to pick a search key that is rare in this file */
  forFile(histogram: Uint32Array, sink: MatchSink): BlockMatcher;
}

export const LF = 0x0a;
export const CR = 0x0d;
