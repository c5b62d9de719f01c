import type { SettingSpec } from '@envoys/envoy-core';

/** ingest-envoy's settings (CONTRACT 5.2, 5.4). */
export const INGEST_SETTINGS: readonly SettingSpec[] = [
  { key: 'envoys.ingest.stagingRoot', env: 'ENVOY_INGEST_STAGING_ROOT', type: 'path', description: 'directory under which each ingestion gets its staging directory' },
  { key: 'envoys.ingest.command', env: 'ENVOY_INGEST_COMMAND', type: 'path', default: 'ingest', description: "the archive's ingest executable" },
  { key: 'envoys.ingest.timeoutMinutes', env: 'ENVOY_INGEST_TIMEOUT_MINUTES', type: 'number', min: 0, max: 35_000, description: 'wall-clock limit of one ingest run, minutes (fractions allowed)' },
];
