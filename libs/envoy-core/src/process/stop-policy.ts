import { STOP_SIGNALS } from './signals';

/**
 * The stop sequence of CONTRACT 3.5, in one place for both who apply it: the envoy (group.ts `stopGroup`)
 * and its watchdog, whose shell script is generated from these values (watchdog-script.ts). The sequence:
 * the stop signal to the whole group; when the group still has a living member after the grace period,
 * `killSignal`; then wait, at most `killWaitMs`, until nothing of it is left. Zombies do not count.
 */
export const STOP_POLICY = {
  /** The stop signals a group may be given; any other is replaced by `defaultSignal`. */
  signals: STOP_SIGNALS,
  defaultSignal: 'SIGTERM',
  /** `envoys.graceSeconds` when it is not set. */
  defaultGraceMs: 30_000,
  killSignal: 'SIGKILL',
  /** SIGKILL cannot be ignored: this only bounds the wait for the kernel to finish the processes off. */
  killWaitMs: 30_000,
  /** How often a stopping group is looked at. */
  pollMs: 50,
} as const satisfies {
  signals: readonly NodeJS.Signals[];
  defaultSignal: NodeJS.Signals;
  defaultGraceMs: number;
  killSignal: NodeJS.Signals;
  killWaitMs: number;
  pollMs: number;
};
