import { describeErrno, errnoCode } from '@envoys/envoy-core';

/** A path that is simply not there: the rule sees no file rather than an error. */
export function isAbsent(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function reason(error: unknown): string {
  const code = errnoCode(error);
  if (code) return describeErrno(code);
  return error instanceof Error ? error.message : String(error);
}
