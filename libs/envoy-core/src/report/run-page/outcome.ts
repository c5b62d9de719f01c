import { ExitCode } from '../../errors';
import type { RunReport } from '../report';

export type Outcome = 'succeeded' | 'failed' | 'stopped';

/** What an exit status means (CONTRACT 3.3), for a person who does not know the table by heart. */
export function exitMeaning(code: number): string {
  switch (code) {
    case ExitCode.Success:
      return 'success, verified';
    case ExitCode.Usage:
      return 'usage error';
    case ExitCode.InvalidInput:
      return 'an input is invalid';
    case ExitCode.MissingInput:
      return 'a required input does not exist';
    case ExitCode.Unavailable:
      return 'the external system or a service it needs is unavailable';
    case ExitCode.ExternalFailure:
      return 'the external system ran and failed';
    case ExitCode.CannotCreate:
      return 'the envoy could not create its output';
    case ExitCode.TimedOut:
      return 'the external system ran past its time limit and was stopped';
    default:
      return code > 128 ? `stopped by signal ${code - 128}` : 'failed';
  }
}

export function outcomeOf(report: Pick<RunReport, 'exitCode' | 'signal'>): Outcome {
  if (report.exitCode === 0) return 'succeeded';
  return report.signal ? 'stopped' : 'failed';
}
