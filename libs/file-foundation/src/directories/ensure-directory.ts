import { mkdir, stat } from 'node:fs/promises';
import { CannotCreateError, describeErrno, errnoCode } from '@envoys/envoy-core';

/**
 * Creates a directory the envoy writes into (with its parents) or accepts an existing one. Anything in the
 * way (a file, a full disk, a read-only file system, no permission) is exit 73 naming the path.
 */
export async function ensureDirectory(path: string, what: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    const code = errnoCode(error);
    const reason =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way'
        : code
          ? describeErrno(code)
          : String(error);
    throw new CannotCreateError(`cannot create ${what} ${path}: ${reason}`, [], { cause: error });
  }
  // mkdir -p succeeds on an existing path only when it is a directory (or a link to one), but say so plainly
  // if something replaced it in between.
  const stats = await stat(path).catch(() => undefined);
  if (!stats?.isDirectory()) throw new CannotCreateError(`cannot create ${what} ${path}: a file is in the way`);
}
