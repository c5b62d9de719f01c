import type { FileHandle } from 'node:fs/promises';
import type { FindingContext } from '@envoys/envoy-core';
import { cutText } from './line-filter';
import { CR, LF } from './matcher';

export interface ContextLimits {
  /** Lines shown before a finding, and at least as many after it. */
  readonly lines: number;
  /** Lines shown after a finding at most, while they continue a message (a traceback). */
  readonly continuationLines: number;
  /** Each context line is cut to this many characters. */
  readonly maxTextLength: number;
  /** Lines that start a message of their own; the lines after a finding that do not are its continuation. */
  readonly recordStart?: RegExp;
}

// The window read around a finding: lines longer than this are not shown as context, so one huge line
// cannot grow memory. Continuation lines (a traceback) get the larger part.
const BEFORE_BYTES = 8 * 1024;
const AFTER_BYTES = 32 * 1024;

function lineText(window: Buffer, start: number, end: number, max: number): string {
  const textEnd = end > start && window[end - 1] === CR ? end - 1 : end;
  return cutText(window.toString('utf8', start, textEnd), max);
}

/** The whole lines of `window[from, to)`; a line cut by the window's edge is left out. */
function wholeLines(window: Buffer, from: number, to: number, startsAtLine: boolean, endsAtLine: boolean): [number, number][] {
  const lines: [number, number][] = [];
  let start = from;
  if (!startsAtLine) {
    const first = window.indexOf(LF, from);
    if (first === -1 || first >= to) return lines;
    start = first + 1;
  }
  while (start < to) {
    const newline = window.indexOf(LF, start);
    if (newline === -1 || newline >= to) {
      if (endsAtLine) lines.push([start, to]);
      break;
    }
    lines.push([start, newline]);
    start = newline + 1;
  }
  return lines;
}

/**
 * The lines around one finding, read from a small window of the file at the finding's offset: the lines
 * before it, and the lines after it, extended over continuation lines (a SEVERE's traceback) up to a
 * bound. Only runs for findings, which are rare, so a clean log costs nothing.
 */
export async function readContext(handle: FileHandle, fileSize: number, offset: number, limits: ContextLimits): Promise<FindingContext> {
  const from = Math.max(0, offset - BEFORE_BYTES);
  const to = Math.min(fileSize, offset + AFTER_BYTES);
  if (to <= offset) return { before: [], after: [] };
  const window = Buffer.allocUnsafe(to - from);
  const { bytesRead } = await handle.read(window, 0, window.length, from);
  const data = window.subarray(0, bytesRead);
  const at = offset - from;
  if (at >= data.length) return { before: [], after: [] };

  const before = wholeLines(data, 0, at, from === 0, true)
    .slice(-limits.lines)
    .map(([start, end]) => lineText(data, start, end, limits.maxTextLength));

  const ownEnd = data.indexOf(LF, at);
  if (ownEnd === -1) return { before, after: [] };
  const following = wholeLines(data, ownEnd + 1, data.length, true, from + data.length >= fileSize);
  // At least `lines` lines, and never a cut inside a message's continuation lines (a traceback), which may
  // also belong to the next message: CASA writes a SEVERE, then a SEVERE `Traceback` with its frames.
  const after: string[] = [];
  const most = limits.recordStart ? Math.max(limits.lines, limits.continuationLines) : limits.lines;
  for (const [start, end] of following) {
    if (after.length >= most) break;
    const text = lineText(data, start, end, limits.maxTextLength);
    if (after.length >= limits.lines && (!limits.recordStart || limits.recordStart.test(text))) break;
    after.push(text);
  }
  return { before, after };
}
