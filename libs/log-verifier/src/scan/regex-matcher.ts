import type { RegexMatch } from '../rules/types';
import type { LineFilter } from './line-filter';
import { LF, type BlockMatcher, type MatcherFactory, type MatchSink } from './matcher';

/**
 * The generic (slower) path: the block's lines are decoded once and a global multiline expression runs over
 * them, so a pattern anchored with ^ or $ sees one line at a time. A line is reported once however often it
 * matches. The byte offset of a matching line is found by stepping over the same number of newlines in the
 * string and in the bytes: exact even where invalid UTF-8 decodes to replacement characters of another length.
 */
export function regexMatcher(ruleId: string, match: RegexMatch, filter: LineFilter, maxLineBytes: number): MatcherFactory {
  const flags = `${match.flags ?? ''}gm`;
  return {
    ruleId,
    forFile(_histogram: Uint32Array, sink: MatchSink): BlockMatcher {
      const re = new RegExp(match.pattern, flags);
      return {
        scan(block: Buffer, blockOffset: number): void {
          const str = block.toString('utf8');
          const ascii = str.length === block.length;
          let strCursor = 0;
          let byteCursor = 0;
          re.lastIndex = 0;
          let m: RegExpExecArray | null;
          while ((m = re.exec(str)) !== null) {
            const at = m.index;
            // With the m flag, ^ and $ also match after the block's final newline: that is no line of the file.
            if (at === str.length && (at === 0 || str.charCodeAt(at - 1) === 0x0a)) return;
            const lineStart = at === 0 ? 0 : str.lastIndexOf('\n', at - 1) + 1;
            let lineEnd = str.indexOf('\n', at);
            if (lineEnd === -1) lineEnd = str.length;
            let textEnd = lineEnd > lineStart && str.charCodeAt(lineEnd - 1) === 0x0d ? lineEnd - 1 : lineEnd;
            if (textEnd - lineStart > maxLineBytes) textEnd = lineStart + maxLineBytes;
            const text = str.slice(lineStart, textEnd);
            const verdict = filter.classify(text);
            if (verdict === 'finding') {
              if (!ascii) {
                while (strCursor < lineStart) {
                  strCursor = str.indexOf('\n', strCursor) + 1;
                  byteCursor = block.indexOf(LF, byteCursor) + 1;
                }
              }
              sink.matched(blockOffset + (ascii ? lineStart : byteCursor), text);
            } else if (verdict === 'benign') {
              sink.benign();
            }
            if (lineEnd >= str.length) return;
            re.lastIndex = lineEnd + 1;
          }
        },
      };
    },
  };
}
