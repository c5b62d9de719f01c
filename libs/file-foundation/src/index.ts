export { requireDirectory, requireFile } from './directories/require-path';
export { ensureDirectory } from './directories/ensure-directory';
export { isInside } from './confine/is-inside';
export { resolveInside } from './confine/resolve-inside';
export { sha256File } from './checksum/sha256-file';
export { createTar, type CreateTarOptions, type CreatedTar } from './tar/create-tar';
