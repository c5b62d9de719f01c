import { resolve } from 'node:path';
import { CannotCreateError, EnvoyError, type PreflightCheck, type PreflightContext } from '@envoys/envoy-core';
import { resolveIngestCommand } from './ingestion/ingest-command';
import { checkStagingDir } from './stage/staging-dir';

/**
 * What a node must have for ingest-envoy (CONTRACT 5.2): the archive's ingest command, and a staging root the
 * envoy can write into (or create). The run's own functions, so that --check fails where a run would.
 */
export function ingestPreflight(context: PreflightContext): PreflightCheck[] {
  const { settings } = context;
  return [
    { name: 'ingest-command', run: () => resolveIngestCommand(settings.string('envoys.ingest.command'), context.env, context.cwd) },
    {
      name: 'staging-root',
      run: async () => {
        const root = resolve(context.cwd, settings.string('envoys.ingest.stagingRoot'));
        try {
          // As for a re-ingestion: a manifest in the root itself is no concern of the preflight's.
          const exists = await checkStagingDir(root, true);
          return exists ? `staging root ${root} is a writable directory` : `staging root ${root} does not exist; the first run creates it`;
        } catch (error) {
          if (!(error instanceof EnvoyError)) throw error;
          throw new CannotCreateError(`staging root (setting envoys.ingest.stagingRoot): ${error.message}`, error.details, { cause: error });
        }
      },
    },
  ];
}
