import { InvalidInputError } from '@envoys/envoy-core';

/**
 * A name in the staging directory is one plain file name: manifests refer to staged files by bare name
 * (CONTRACT 5.3). Spaces, quotes and newlines are fine; nothing here goes through a shell.
 */
export function checkStagedName(name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new InvalidInputError(`staged name ${JSON.stringify(name)} must be a plain file name`);
  }
  return name;
}
