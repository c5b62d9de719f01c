import type { FileHandle } from 'node:fs/promises';
import type { FindingContext } from '@envoys/envoy-core';
import { continuesMessage, cutText, type MessageShape } from './line-filter';
import { CR, LF } from './matcher';

export interface ContextLimits {
  /** Lines shown before a finding, and at least as many after it. */
  readonly lines: number;
  /** Lines shown after a finding at most, while they continue its message (a traceback). */
  readonly continuationLines: number;
  /** Each context line is cut to this many characters. */
  readonly maxTextLength: number;
  /** Where the finding's message ends: the lines after it that continue it are part of it. */
  readonly shape: MessageShape;
}

/** A finding's surroundings: the context shown, and its message (its own line and its continuation lines). */
export interface MessageAround {
  readonly context: FindingContext;
  readonly message: readonly string[];
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
 * before it, then its message's continuation lines (a SEVERE's traceback, each CASA line `origin+`) up to a
 * bound, then the lines after the message. Only runs for findings, which are rare, so a clean log costs nothing.
 */
export async function readContext(handle: FileHandle, fileSize: number, offset: number, limits: ContextLimits): Promise<MessageAround> {
  const from = Math.max(0, offset - BEFORE_BYTES);
  const to = Math.min(fileSize, offset + AFTER_BYTES);
  const none = { context: { before: [], after: [] }, message: [] };
  if (to <= offset) return none;
  const window = Buffer.allocUnsafe(to - from);
  const { bytesRead } = await handle.read(window, 0, window.length, from);
  const data = window.subarray(0, bytesRead);
  const at = offset - from;
  if (at >= data.length) return none;

  const before = wholeLines(data, 0, at, from === 0, true)
    .slice(-limits.lines)
    .map(([start, end]) => lineText(data, start, end, limits.maxTextLength));

  const ownEnd = data.indexOf(LF, at);
  const own = lineText(data, at, ownEnd === -1 ? data.length : ownEnd, limits.maxTextLength);
  if (ownEnd === -1) return { context: { before, after: [] }, message: [own] };
  const following = wholeLines(data, ownEnd + 1, data.length, true, from + data.length >= fileSize);
  // The message's continuation lines (up to a bound), then `lines` lines after the message.
  const message = [own];
  const after: string[] = [];
  let inMessage = true;
  let afterMessage = 0;
  for (const [start, end] of following) {
    const text = lineText(data, start, end, limits.maxTextLength);
    if (inMessage && continuesMessage(limits.shape, text) && message.length <= limits.continuationLines) {
      message.push(text);
      after.push(text);
      continue;
    }
    inMessage = false;
    if (afterMessage >= limits.lines) break;
    after.push(text);
    afterMessage += 1;
  }
  return { context: { before, after }, message };
}
