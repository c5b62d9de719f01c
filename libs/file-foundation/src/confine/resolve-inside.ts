import { lstat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { InvalidInputError, inputError } from '@envoys/envoy-core';
import { followLinkInside } from './confinement';
import { isInside } from './is-inside';
import { realLocation } from './real-location';

/**
 * Resolves a path taken from an input file (RelativePath, SdmIdentifier, a manifest file name) against the
 * directory it belongs to, and refuses anything that would leave that directory (CONTRACT 3.6): an absolute path, a
 * `..` that climbs above `base`, a NUL byte (the kernel would cut the name there), or, for a path that exists or
 * whose ancestors exist, a symbolic link that leads outside the real location of `base`. A path that is itself
 * a dangling symbolic link is refused too (65, as everywhere: see followLinkInside); one that does not exist
 * at all is returned, for the caller to require (66) or create.
 *
 * Returns the absolute path as written under `base` (links are not substituted, so messages and later steps see
 * the names the user knows). Failures are InvalidInputError (65) naming `what` and the offending text.
 */
export async function resolveInside(base: string, relative: string, what: string): Promise<string> {
  if (relative.includes('\0')) throw new InvalidInputError(`${what} ${JSON.stringify(relative)} contains a NUL byte`);
  if (relative === '') throw new InvalidInputError(`${what} is empty`);
  if (isAbsolute(relative)) {
    throw new InvalidInputError(`${what} "${relative}" is an absolute path; it must be relative to ${base}`);
  }
  const absoluteBase = resolve(base);
  const candidate = resolve(absoluteBase, relative);
  if (!isInside(absoluteBase, candidate)) {
    throw new InvalidInputError(`${what} "${relative}" points outside ${base}`);
  }
  let realBase: string;
  let realCandidate: string;
  try {
    realBase = await realLocation(absoluteBase);
    realCandidate = await realLocation(candidate);
  } catch (error) {
    throw inputError(error, `${what} "${relative}" under ${base}`);
  }
  if (!isInside(realBase, realCandidate)) {
    throw new InvalidInputError(
      `${what} "${relative}" leads through a symbolic link to ${realCandidate}, outside ${base}`,
    );
  }
  if ((await lstat(candidate).catch(() => undefined))?.isSymbolicLink()) await followLinkInside(candidate, { path: base, realPath: realBase });
  return candidate;
}
