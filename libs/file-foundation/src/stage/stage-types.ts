export interface StageOptions {
  /**
   * The processing directory: what is staged must really lie inside it. A symbolic link that leads outside is
   * refused (65), never followed.
   */
  readonly root: string;
  readonly signal?: AbortSignal;
  /**
   * 'auto' (default): hard link when source and staging directory share a file system, verified copy
   * otherwise. 'copy': always copy (for staging areas that must not share inodes with the products, and tests).
   */
  readonly method?: 'auto' | 'copy';
}

/** A file placed in the staging directory. */
export interface StagedFile {
  /** File name in the staging directory (for a tree: path relative to the staged directory). */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the staged bytes, lowercase hex. */
  readonly sha256: string;
  readonly method: 'link' | 'copy';
}

/** A directory placed in the staging directory with everything below it. */
export interface StagedTree {
  readonly name: string;
  readonly path: string;
  /** Total bytes of the files. */
  readonly size: number;
  /** 'mixed' when some files could be linked and others had to be copied. */
  readonly method: 'link' | 'copy' | 'mixed';
  /** Every file, in name order, with its path relative to the staged directory. */
  readonly files: readonly StagedFile[];
}
