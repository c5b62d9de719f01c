import type { Writable } from 'node:stream';
import type { LogFormat } from '../cli/spec';
import type { Redactor } from '../redact/redactor';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** One line per event, with time, level and the life-cycle step it belongs to (CONTRACT 3.8). */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** A logger whose lines name the given step. */
  child(step: string): Logger;
  /** Waits until every line has been handed to the output stream. */
  flush(): Promise<void>;
}

export interface LoggerOptions {
  readonly envoy: string;
  readonly format: LogFormat;
  readonly redactor: Redactor;
  readonly stream?: Writable & { isTTY?: boolean };
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly level?: LogLevel;
}

const COLOURS: Readonly<Record<LogLevel, string>> = { error: '31', warn: '33', info: '32', debug: '90' };

/** Colour only for a person at a terminal who has not asked for none (https://no-color.org). */
export function useColour(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  return stream.isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

function fieldsText(fields: LogFields): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    parts.push(`${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`);
  }
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** Lower is more severe; a logger writes the lines at or above its level (npm's order, as winston had it). */
const SEVERITY: Readonly<Record<LogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * Creates the envoy's logger: one line per call, written at once to the stream, in call order. Formatting a
 * line is all a logger has to do here (winston did it before, at 18 ms of every run's start for a printf:
 * docs/BENCHMARKS.md). Async, as it was while winston was loaded on first use.
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const stream = options.stream ?? process.stdout;
  const colour = options.format === 'text' && useColour(stream, options.env ?? process.env);
  const { redactor } = options;
  const threshold = SEVERITY[options.level ?? 'info'];

  const line = (level: LogLevel, message: string, step: string, fields: LogFields): string => {
    // The same precedence as before: a field may name the step or replace the message; time and level are the
    // logger's own.
    const { level: _level, message: text, step: stepName, time: _time, ...rest } = { level, message, step, ...fields } as Record<
      string,
      string | number | boolean | null | undefined
    >;
    const time = new Date().toISOString();
    if (options.format === 'json') {
      return redactor.redact(JSON.stringify({ time, level, envoy: options.envoy, step: stepName, message: text, ...rest }));
    }
    const levelText = level.toUpperCase().padEnd(5);
    const shown = colour ? `\u001b[${COLOURS[level]}m${levelText}\u001b[0m` : levelText;
    return redactor.redact(`${time} ${shown} [${String(stepName)}] ${String(text)}${fieldsText(rest)}`);
  };

  const make = (step: string): Logger => {
    const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
      if (SEVERITY[level] > threshold) return;
      stream.write(`${line(level, message, step, fields)}\n`);
    };
    return {
      error: emit('error'),
      warn: emit('warn'),
      info: emit('info'),
      debug: emit('debug'),
      child: (name: string) => make(name),
      flush: () =>
        new Promise<void>((resolve) => {
          // Lines are handed to the stream synchronously; what remains is the stream's own buffer.
          if (stream.writableLength === 0 || stream.writableNeedDrain === false) {
            resolve();
            return;
          }
          stream.once('drain', () => resolve());
        }),
    };
  };
  return make(options.envoy);
}
