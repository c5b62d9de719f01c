// @envoys/file-foundation: putting data where an external system expects it. Every failure is an EnvoyError
// carrying its exit status (CONTRACT 3.3): 65 invalid input, 66 missing input, 73 cannot create output. An abort
// rejects with the signal's reason.

// Directories and files that must be there, or must be made.
export { requireDirectory, requireFile } from './directories/require-path';
export { ensureDirectory, type EnsureDirectoryOptions } from './directories/ensure-directory';

// Paths from input files stay inside the directory they belong to (CONTRACT 3.6).
export { isInside } from './confine/is-inside';
export { realLocation } from './confine/real-location';
export { resolveInside } from './confine/resolve-inside';
// The one confinement policy for what is read from a processing directory: a symbolic link is followed only
// while it stays inside; one that leads outside or nowhere (dangling) is refused with 65.
export { confinementOf, locateInside, type Confinement, type Located } from './confine/confinement';

// One tree walk for every tree an envoy reads: streaming, linear in its entries, stoppable at once, links
// confined (or never followed).
export { walkTree, MAX_TREE_DEPTH, type TreeEntry, type WalkTreeOptions } from './walk/walk-tree';

// Checksums.
export { sha256File } from './checksum/sha256-file';
export { sha256Files } from './checksum/sha256-files';

// Tars: made atomically with their checksum; extracted only after every member passed the audit (CONTRACT 4.6).
export { createTar, type CreateTarOptions, type CreatedTar } from './tar/create-tar';
export { createTarOfBytes, type TarMemberBytes } from './tar/create-tar-of-bytes';
export { findCalibrationTar } from './extract/find-calibration-tar';
export { extractSafely, type ExtractOptions, type ExtractedEntry } from './extract/extract-safely';

// Staging for an external system: hard link or verified copy (CONTRACT 5.2).
export { stageFile } from './stage/stage-file';
export { stageFiles } from './stage/stage-files';
export { stageTree } from './stage/stage-tree';
export type {
  FileToStage,
  StageFilesOptions,
  StageOptions,
  StageTreeOptions,
  StagedFile,
  StagedTree,
} from './stage/stage-types';
