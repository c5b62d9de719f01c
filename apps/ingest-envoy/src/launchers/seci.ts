import { InvalidInputError, type LauncherFactory } from '@envoys/envoy-core';
import { auditImageIngestion } from '../audit/images';
import { ingestionLauncher } from '../ingestion/ingestion';

/** ingest-envoy --seci DIR COLLECTION (CONTRACT 5.2): as --image, into the named collection. */
export const seci: LauncherFactory = (context) =>
  ingestionLauncher(context, {
    async audit(dir, timestamp) {
      const collection = (context.commandLine.args['COLLECTION'] ?? '').trim();
      if (collection === '') throw new InvalidInputError('COLLECTION (the argument after DIR) is empty');
      return auditImageIngestion(dir, timestamp, collection);
    },
  });
