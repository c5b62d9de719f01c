import * as path from 'node:path';
import { EnvoyError, type Finding } from '@envoys/envoy-core';
import { isNewOrChanged } from '../files/file-state';
import { reason } from '../files/errno';
import { walkFiles } from '../files/walk';
import type { NonEmptyRule } from '../rules/types';
import type { Snapshot } from '../snapshot/snapshot';

/**
 * With a baseline: did the run write anything below the directory? Without one: is there anything at all?
 * The walk stops at the first file that answers yes, so a large products tree costs little on success.
 */
export async function checkNonEmpty(baseDir: string, rule: NonEmptyRule, baseline: Snapshot | undefined): Promise<Finding | undefined> {
  const dir = path.resolve(baseDir, rule.dir);
  const before = baseline?.trees[dir] ?? {};
  let found = false;
  let exists: boolean;
  try {
    exists = await walkFiles(dir, (file, state) => {
      found = !baseline || isNewOrChanged(before[file], state);
      return found;
    });
  } catch (error) {
    // The walk names the path in its own words; the finding already names the directory, and gives the reason.
    const cause = error instanceof EnvoyError && error.cause !== undefined ? error.cause : error;
    return { file: dir, line: null, rule: rule.id, text: `cannot read the directory: ${reason(cause)}` };
  }
  if (found) return undefined;
  const what = !exists
    ? `${rule.dir} does not exist`
    : baseline
      ? `nothing in ${rule.dir} is new or changed since the run started`
      : `${rule.dir} is empty`;
  return { file: dir, line: null, rule: rule.id, text: `${what}: ${rule.description}` };
}
