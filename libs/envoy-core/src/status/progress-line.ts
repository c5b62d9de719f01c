import { Writable } from 'node:stream';

const CLEAR = '\r\u001b[2K';

/** What the progress line needs of the terminal: process.stdout when it is one. */
export interface Terminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

/**
 * One line at the bottom of a terminal that says what the run is doing (`stage 3/8 hifv_flagdata · 12:13`),
 * redrawn every second. Everything else written to the terminal during the run goes through `wrap()`, which
 * clears the line, writes the text, and draws the line again below it once a whole line has been written,
 * so the external system's output and the log scroll above it and are never garbled.
 */
export class ProgressLine {
  private shown = false;
  private atLineStart = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly terminal: Terminal,
    private readonly render: () => string,
  ) {}

  /** A progress line for a person at a terminal; none for a batch job's log, JSON logs or a dumb terminal. */
  static forTerminal(terminal: Terminal, env: Readonly<Record<string, string | undefined>>, render: () => string): ProgressLine | undefined {
    if (terminal.isTTY !== true || env['TERM'] === 'dumb') return undefined;
    return new ProgressLine(terminal, render);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
    this.draw();
  }

  /** Draws the line now (after a change), unless a partial line of other output is on the screen. */
  draw(): void {
    if (!this.timer || !this.atLineStart) return;
    // A pseudo-terminal without a size reports 0 columns.
    const width = Math.max(20, (this.terminal.columns || 80) - 1);
    let text = this.render().replace(/[\r\n\t]/g, ' ');
    // A line wider than the terminal wraps, and `\r` then clears only its last part.
    if (text.length > width) text = `${text.slice(0, width - 1)}…`;
    this.terminal.write(`${CLEAR}${text}`);
    this.shown = true;
  }

  /** Removes the line for good (the run is over). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** A stream that writes to `target` (the terminal, or stderr on the same terminal) around the line. */
  wrap(target: Writable & { isTTY?: boolean }): Writable & { isTTY?: boolean } {
    const stream = new Writable({
      decodeStrings: false,
      write: (chunk: Buffer | string, _encoding, callback) => {
        this.clear();
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        const flushed = target.write(chunk);
        if (text.length > 0) this.atLineStart = text.endsWith('\n');
        this.draw();
        if (flushed) callback();
        else target.once('drain', () => callback());
      },
    });
    // The logger asks whether it may colour its output.
    return Object.assign(stream, { isTTY: target.isTTY });
  }

  private clear(): void {
    if (!this.shown) return;
    this.terminal.write(CLEAR);
    this.shown = false;
  }
}
