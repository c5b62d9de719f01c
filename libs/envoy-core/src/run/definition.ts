import type { CommandLineSpec, ParsedCommandLine } from '../cli/spec';
import { EVENT_SETTINGS } from '../events/settings';
import type { PreflightCheck, PreflightContext } from '../preflight/check';
import { STOP_POLICY } from '../process/stop-policy';
import type { SettingSpec } from '../settings';
import type { LauncherFactory } from './launcher';

/** Everything envoy-core needs to know about one envoy: its command line, settings and launchers. */
export interface EnvoyDefinition {
  readonly cli: CommandLineSpec;
  readonly settings: readonly SettingSpec[];
  /** The directory a run belongs to: report and output log are written there (CONTRACT 3.7). */
  workDir(commandLine: ParsedCommandLine): string;
  /** One launcher per mode name. */
  readonly launchers: Readonly<Record<string, LauncherFactory>>;
  /**
   * Work the watchdog runs when the envoy died without its teardown (SIGKILL): it gets the payload a
   * launcher registered with `EnvoyContext.atDeath` and returns an exit status. For what lives outside the
   * node (a proxy route), which stopping the external system's process group does not remove.
   */
  readonly atDeath?: (payload: string) => Promise<number>;
  /**
   * What a node and a site must provide before any run of this envoy can launch (the external system's
   * installation, the services it needs), checked by `--check` and again by every `--dry-run`: one list, so
   * that the preflight and the dry run cannot drift. The events endpoints are checked for every envoy.
   */
  readonly preflight?: (context: PreflightContext) => readonly PreflightCheck[];
}

/** Settings every envoy has. */
export const COMMON_SETTINGS: readonly SettingSpec[] = [
  {
    key: 'envoys.graceSeconds',
    env: 'ENVOY_GRACE_SECONDS',
    type: 'number',
    min: 0,
    default: STOP_POLICY.defaultGraceMs / 1000,
    description: 'seconds between the stop signal and SIGKILL when the external system is stopped',
  },
  {
    key: 'envoys.logLevel',
    env: 'ENVOY_LOG_LEVEL',
    type: 'string',
    default: 'info',
    description: 'least important log level shown: error, warn, info or debug',
    check: (value) => (typeof value === 'string' && ['error', 'warn', 'info', 'debug'].includes(value) ? undefined : 'not one of error, warn, info, debug'),
  },
  {
    key: 'envoys.leaseSeconds',
    env: 'ENVOY_LEASE_SECONDS',
    type: 'number',
    min: 0.3,
    max: 3600,
    default: 60,
    description: 'lease of the processing directory, seconds: renewed every third of it; a lease unrenewed this long is taken over',
  },
  {
    key: 'envoys.leaseDirectory',
    env: 'ENVOY_LEASE_DIR',
    type: 'string',
    description: 'the directory whose lease the run holds, when it is not the processing directory (a batch job running in node-local scratch: the shared directory its results go to)',
  },
  ...EVENT_SETTINGS,
];
