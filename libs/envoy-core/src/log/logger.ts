import type { Writable } from 'node:stream';
import type { LogFormat } from '../cli/spec';
import type { Redactor } from '../redact/redactor';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** One line per event, with time, level and the life-cycle step it belongs to (SPEC 3.8). */
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

/**
 * Creates the envoy's logger on winston. Winston is loaded here, not at module load, so that --help and
 * usage errors never pay for it (cold start is benchmarked).
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const winston = await import('winston');
  const stream = options.stream ?? process.stdout;
  const colour = options.format === 'text' && useColour(stream, options.env ?? process.env);
  const { redactor } = options;

  const line = winston.format.printf((info) => {
    const { level, message, step, time, ...rest } = info as Record<string, unknown> & { level: LogLevel };
    const fields = Object.fromEntries(
      Object.entries(rest).filter(([key]) => typeof key === 'string'),
    ) as Record<string, string | number | boolean | null>;
    if (options.format === 'json') {
      return redactor.redact(JSON.stringify({ time, level, envoy: options.envoy, step, message, ...fields }));
    }
    const levelText = level.toUpperCase().padEnd(5);
    const shown = colour ? `\u001b[${COLOURS[level]}m${levelText}\u001b[0m` : levelText;
    return redactor.redact(`${String(time)} ${shown} [${String(step)}] ${String(message)}${fieldsText(fields)}`);
  });

  const base = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(
      winston.format.timestamp({ alias: 'time', format: () => new Date().toISOString() }),
      winston.format((info) => {
        delete info['timestamp'];
        return info;
      })(),
      line,
    ),
    transports: [new winston.transports.Stream({ stream })],
  });

  const make = (step: string): Logger => {
    const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
      base.log({ level, message, step, ...fields });
    };
    return {
      error: emit('error'),
      warn: emit('warn'),
      info: emit('info'),
      debug: emit('debug'),
      child: (name: string) => make(name),
      flush: () =>
        new Promise<void>((resolve) => {
          // Winston hands lines to the stream synchronously; what remains is the stream's own buffer.
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
