import type { LaunchResult } from '@envoys/envoy-core';
import type { SessionSettings } from '../settings';
import type { BackendOutput } from './output';

/** Why the session ended, for the carta-ended notification and the report. */
export type EndReason = 'lifetime' | 'initial-timeout' | 'exit-timeout' | 'backend-exited' | 'signal' | 'failure';

export function describeExit(result: LaunchResult): string {
  return result.signal ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`;
}

/** Why a backend that exited by itself did: its own time-outs say so on its output. */
export function exitReason(output: BackendOutput): EndReason {
  if (!output.noSessionsTimeout) return 'backend-exited';
  return output.connected ? 'exit-timeout' : 'initial-timeout';
}

export function describeReason(reason: EndReason, config: SessionSettings): string {
  if (reason === 'initial-timeout') return `nobody opened the session within ${config.initialTimeoutSeconds} s (envoys.carta.initialTimeoutSeconds)`;
  if (reason === 'exit-timeout') return `the last browser left ${config.exitTimeoutSeconds} s before (envoys.carta.exitTimeoutSeconds)`;
  return 'its own decision';
}
