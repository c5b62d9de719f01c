/**
 * Exit statuses of every envoy (CONTRACT 3.3). Workflow engines act on these numbers, so they are part of the
 * product contract: never renumber them.
 */
export const ExitCode = {
  Success: 0,
  Usage: 2,
  InvalidInput: 65,
  MissingInput: 66,
  Unavailable: 69,
  ExternalFailure: 70,
  Internal: 71,
  CannotCreate: 73,
  /** EX_TEMPFAIL: another run owns the processing directory, or this run lost it to another. */
  NotOwner: 75,
  TimedOut: 124,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
};

/** The number of a signal by name (SIGTERM -> 15); 0 for a name this table does not know. */
export function signalNumber(signal: string): number {
  return SIGNAL_NUMBERS[signal] ?? 0;
}

/** Exit status of an envoy stopped by a signal: 128 + N, as shells report it. */
export function signalExitCode(signal: string): number {
  return 128 + signalNumber(signal);
}

/**
 * Every failure an envoy reports is an EnvoyError: it carries the exit status it maps to, a one-line
 * message that says what failed and where, and optional detail lines printed after it.
 */
export class EnvoyError extends Error {
  readonly exitCode: number;
  readonly details: readonly string[];

  constructor(exitCode: number, message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/**
 * Exit 2: the command line is wrong (an unknown option, a bad `--set` or `--timeout-minutes` value, an unknown
 * `--set` key, an output that would replace an input). Schedulers hold such a job for an operator.
 */
export class UsageError extends EnvoyError {
  constructor(message: string, details: readonly string[] = []) {
    super(ExitCode.Usage, message, details);
  }
}

/** Exit 65: an input is invalid (malformed file, missing or wrong field, ineligible product, bad setting). */
export class InvalidInputError extends EnvoyError {
  constructor(message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(ExitCode.InvalidInput, message, details, options);
  }
}

/** Exit 66: a required input file or directory does not exist. */
export class MissingInputError extends EnvoyError {
  constructor(message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(ExitCode.MissingInput, message, details, options);
  }
}

/** Exit 69: the external system or a service it needs is unavailable. */
export class UnavailableError extends EnvoyError {
  constructor(message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(ExitCode.Unavailable, message, details, options);
  }
}

/** Exit 70: the external system ran and failed. */
export class ExternalFailureError extends EnvoyError {
  constructor(message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(ExitCode.ExternalFailure, message, details, options);
  }
}

/**
 * Exit 71: the envoy itself failed (a bug: an exception no step turned into one of the statuses above).
 * sysexits' EX_SOFTWARE is 70, which the envoys give to the external system's failure; a workflow must tell
 * a science failure from a bug, so the envoy's own error takes the next code of the table.
 */
export class InternalError extends EnvoyError {
  constructor(message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(ExitCode.Internal, message, details, options);
  }
}

/** Exit 73: the envoy could not create its output. */
export class CannotCreateError extends EnvoyError {
  constructor(message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(ExitCode.CannotCreate, message, details, options);
  }
}

/** Exit 124: the external system ran past its time limit and was stopped. */
export class TimedOutError extends EnvoyError {
  constructor(message: string) {
    super(ExitCode.TimedOut, message);
  }
}

/** Exit 128+N: the envoy received signal N and stopped what it was doing. */
export class InterruptedError extends EnvoyError {
  readonly signal: string;

  constructor(signal: string, message = `stopped by ${signal}`) {
    super(signalExitCode(signal), message);
    this.signal = signal;
  }
}

/** The errno code of a failed system call (ENOENT, EXDEV, ...), or undefined for any other error. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Maps a failed file-system call on an output path to the envoy's exit status: ENOSPC, EACCES, EROFS and
 * friends mean the envoy could not create its output (73). An EnvoyError passes through unchanged.
 */
export function outputError(error: unknown, what: string): EnvoyError {
  if (error instanceof EnvoyError) return error;
  const code = errnoCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new CannotCreateError(`cannot write ${what}: ${code ? describeErrno(code) : reason}`, [], { cause: error });
}

/**
 * Maps a failed file-system call on an input path: a missing file is 66, anything else unreadable is 65
 * (the input exists but is not usable as given). An EnvoyError passes through unchanged.
 */
export function inputError(error: unknown, what: string): EnvoyError {
  if (error instanceof EnvoyError) return error;
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MissingInputError(`${what} does not exist`, [], { cause: error });
  }
  const reason = code ? describeErrno(code) : error instanceof Error ? error.message : String(error);
  return new InvalidInputError(`cannot read ${what}: ${reason}`, [], { cause: error });
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
  EXDEV: 'cross-device link',
  ELOOP: 'too many symbolic links',
};

/** A short human text for an errno code, with the code itself for searching. */
export function describeErrno(code: string): string {
  const text = ERRNO_TEXT[code];
  return text ? `${text} (${code})` : code;
}
