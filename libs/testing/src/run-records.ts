import { basename } from 'node:path';

/**
 * The files every run (not a dry run) writes into its work directory (CONTRACT 3.7 and the live status): the
 * JSON report, the run page, the status file, and the external system's output log.
 */
export function isRunRecord(envoy: string, path: string): boolean {
  const name = basename(path);
  return (
    name === `${envoy}-report.json` ||
    name === `${envoy}-report.html` ||
    name === `${envoy}-status.json` ||
    new RegExp(`^${envoy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[a-z-]+\\.out\\.log$`).test(name)
  );
}
