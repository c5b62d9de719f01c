/** Everything needed to start the external system: the only thing the launch phase does. */
export interface LaunchPlan {
  /** The program and its arguments; never a shell command line. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Variables the envoy sets on top of its own environment (reported; secrets redacted). */
  readonly env: Readonly<Record<string, string>>;
  /** Variables removed from the child's environment (e.g. PYTHONPATH for CASA's bundled Python). */
  readonly unsetEnv?: readonly string[];
  /** Wall-clock limit; on expiry the stop sequence runs and the envoy exits 124. */
  readonly timeoutMs?: number;
  /**
   * The signal that stops this system cleanly. Unset: a received signal is passed on as it is and a
   * time-out sends SIGTERM. CARTA's backend shuts down cleanly only on SIGINT.
   */
  readonly stopSignal?: NodeJS.Signals;
  /** Called with the system's output (stdout and stderr, secrets redacted) as it comes, for a launcher that reads it. */
  readonly onOutput?: (text: string) => void;
}

export interface LaunchResult {
  readonly pid: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  /** The signal the envoy received during the launch, if any. */
  readonly interruptedBy: NodeJS.Signals | null;
  /** Why the envoy stopped the system itself ('signal', 'timeout', or a launcher's reason), if it did. */
  readonly stoppedBy: string | null;
  /** Whether the grace period ran out and the group had to be killed. */
  readonly killed: boolean;
}

export interface RunningProcess {
  readonly pid: number;
  readonly result: Promise<LaunchResult>;
  /** Stops the whole process group (the plan's stop signal, SIGKILL after the grace period). */
  stop(reason: string): Promise<LaunchResult>;
}

/** The environment the child gets: the envoy's own, minus removed names, plus the plan's variables. */
export function childEnvironment(
  plan: Pick<LaunchPlan, 'env' | 'unsetEnv'>,
  base: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  const removed = new Set(plan.unsetEnv ?? []);
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !removed.has(name)) env[name] = value;
  }
  return Object.assign(env, plan.env);
}
