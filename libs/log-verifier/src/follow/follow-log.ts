import { promises as fs } from 'node:fs';
import { isNewOrChanged } from '../files/file-state';
import { parseGlob, type Glob } from '../files/glob';
import { listGlob } from '../files/list';
import { cutText } from '../scan/line-filter';
import { CR, LF } from '../scan/matcher';
import type { Snapshot } from '../snapshot/snapshot';

/** A line that contains one of the strings being watched for. */
export interface FollowedLine {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly text: string;
  /** Which of `watch` it contains (the first, when several). */
  readonly watch: number;
}

export interface FollowOptions {
  /** The directory the pattern is relative to (CASA: `working/`). */
  readonly baseDir: string;
  /** The log to follow: the newest file (by name) matching this pattern, e.g. `casa-*.log`. */
  readonly files: string;
  /** Taken before the launch: files unchanged since then are an earlier run's and are not followed. */
  readonly baseline?: Snapshot;
  /** Strings to look for; a line containing one is handed to `onLine`. */
  readonly watch: readonly string[];
  onLine(line: FollowedLine): void;
  /** Called when a (new) file starts being followed. */
  onFile?(file: string): void;
  /** How often the file is read (default 500 ms): polling works on every file system, NFS and Lustre too. */
  readonly pollMs?: number;
  /** How many of the last lines are kept (default 10). */
  readonly tailLines?: number;
  /** Lines are kept and handed over cut to this many characters (default 500). */
  readonly maxLineLength?: number;
}

const CHUNK = 1024 * 1024;
// A partial line waiting for its end keeps at most this much of its beginning.
const MAX_PARTIAL = 64 * 1024;
// While a file is followed, a newer one (a second start) is looked for every this many polls.
const RELIST_EVERY = 10;

/**
 * Follows a log as it is written (`tail -f`, by polling): reads what was appended since the last poll,
 * counts lines, hands over the lines that contain a watched string, and keeps the last few lines. Memory is
 * one read buffer and one partial line, however large the log grows; each byte is read once. Reading
 * problems are not errors (the log may not exist yet): the next poll tries again.
 */
export class LogFollower {
  private readonly glob: Glob;
  private readonly watch: readonly Buffer[];
  private readonly tailSize: number;
  private readonly maxLength: number;
  private current: string | undefined;
  private offset = 0;
  private lines = 0;
  private partial: Buffer = Buffer.alloc(0);
  private partialCut = false;
  private lastLines: string[] = [];
  private polls = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private buffer: Buffer | undefined;

  constructor(private readonly options: FollowOptions) {
    const glob = parseGlob(options.files);
    if (typeof glob === 'string') throw new Error(`log pattern ${options.files} ${glob}`);
    this.glob = glob;
    this.watch = options.watch.map((text) => Buffer.from(text, 'utf8'));
    this.tailSize = options.tailLines ?? 10;
    this.maxLength = options.maxLineLength ?? 500;
  }

  /** The file being followed. */
  get file(): string | undefined {
    return this.current;
  }

  /** The last lines read, oldest first. */
  tail(): string[] {
    return [...this.lastLines];
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs ?? 500);
      });
    };
    tick();
  }

  /** Stops polling after one last read to the end of the log, so nothing written before the stop is missed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.poll();
    this.buffer = undefined;
  }

  /** One look at the directory and the log; never throws. */
  async poll(): Promise<void> {
    try {
      if (this.current === undefined || this.polls % RELIST_EVERY === 0) await this.pickFile();
      this.polls += 1;
      if (this.current !== undefined) await this.readAppended(this.current);
    } catch {
      // The log vanished or cannot be read just now: the next poll tries again.
    }
  }

  private async pickFile(): Promise<void> {
    const listing = await listGlob(this.options.baseDir, this.glob);
    if ('error' in listing) return;
    const baseline = this.options.baseline;
    const candidates = baseline ? listing.files.filter((file) => isNewOrChanged(baseline.files[file.path], file.state)) : listing.files;
    // Stamped names (casa-YYYYMMDD-HHMMSS.log) sort in time order: the last is the newest start.
    const newest = candidates[candidates.length - 1]?.path;
    if (newest === undefined || newest === this.current) return;
    if (this.current !== undefined && newest < this.current) return;
    this.current = newest;
    this.offset = 0;
    this.lines = 0;
    this.partial = Buffer.alloc(0);
    this.partialCut = false;
    this.lastLines = [];
    this.options.onFile?.(newest);
  }

  private async readAppended(file: string): Promise<void> {
    const handle = await fs.open(file, 'r');
    try {
      this.buffer ??= Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(this.buffer, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.consume(this.buffer.subarray(0, bytesRead), file);
        if (bytesRead < CHUNK) break;
      }
    } finally {
      await handle.close();
    }
  }

  /** Takes appended bytes: whole lines are examined, the last partial one waits for its end. */
  private consume(bytes: Buffer, file: string): void {
    const lastNewline = bytes.lastIndexOf(LF);
    if (lastNewline === -1) {
      this.keepPartial(bytes);
      return;
    }
    const firstNewline = bytes.indexOf(LF);
    if (this.partial.length > 0 || this.partialCut) {
      // The line that straddles two reads: its start waited in `partial`.
      this.examine(Buffer.concat([this.partial, bytes.subarray(0, firstNewline + 1)]), file);
      this.partial = Buffer.alloc(0);
      this.partialCut = false;
      this.examine(bytes.subarray(firstNewline + 1, lastNewline + 1), file);
    } else {
      this.examine(bytes.subarray(0, lastNewline + 1), file);
    }
    this.keepPartial(bytes.subarray(lastNewline + 1));
  }

  private keepPartial(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = MAX_PARTIAL - this.partial.length;
    if (room <= 0 || bytes.length > room) this.partialCut = true;
    if (room > 0) this.partial = Buffer.concat([this.partial, bytes.subarray(0, Math.min(room, bytes.length))]);
  }

  private text(block: Buffer, start: number, end: number): string {
    const textEnd = end > start && block[end - 1] === CR ? end - 1 : end;
    // Decoding is bounded too: a megabyte-long line costs no more than its shown part.
    return cutText(block.toString('utf8', start, Math.min(textEnd, start + this.maxLength * 4)), this.maxLength);
  }

  /** Whole lines (the block ends with a newline): count them, report watched ones, keep the last few. */
  private examine(block: Buffer, file: string): void {
    if (block.length === 0) return;
    const hits: { at: number; watch: number }[] = [];
    this.watch.forEach((key, watch) => {
      for (let at = block.indexOf(key); at !== -1; at = block.indexOf(key, at + key.length)) hits.push({ at, watch });
    });
    hits.sort((a, b) => a.at - b.at || a.watch - b.watch);
    let counted = 0; // newlines counted in block[0, cursor)
    let cursor = 0;
    let lastStart = -1;
    for (const hit of hits) {
      const start = hit.at === 0 ? 0 : block.lastIndexOf(LF, hit.at - 1) + 1;
      if (start === lastStart) continue; // one line, several hits
      lastStart = start;
      for (let nl = block.indexOf(LF, cursor); nl !== -1 && nl < start; nl = block.indexOf(LF, nl + 1)) {
        counted += 1;
        cursor = nl + 1;
      }
      const end = block.indexOf(LF, hit.at);
      this.options.onLine({ file, line: this.lines + counted + 1, text: this.text(block, start, end), watch: hit.watch });
    }
    for (let nl = block.indexOf(LF, cursor); nl !== -1; nl = block.indexOf(LF, nl + 1)) counted += 1;
    this.lines += counted;
    this.remember(block);
  }

  private remember(block: Buffer): void {
    const found: string[] = [];
    let end = block.length - 1; // the block's final newline
    while (found.length < this.tailSize && end >= 0) {
      const start = end === 0 ? 0 : block.lastIndexOf(LF, end - 1) + 1;
      found.unshift(this.text(block, start, end));
      end = start - 1;
    }
    this.lastLines = [...this.lastLines, ...found].slice(-this.tailSize);
  }
}
