export interface StageOptions {
  /**
   * The processing directory: what is staged must really lie inside it. A symbolic link that leads outside, or
   * nowhere (dangling), is refused (65), never followed.
   */
  readonly root: string;
  readonly signal?: AbortSignal;
  /**
   * 'auto' (default): hard link when source and staging directory share a file system, verified copy
   * otherwise. 'copy': always copy (for staging areas that must not share inodes with the products, and tests).
   */
  readonly method?: 'auto' | 'copy';
  /**
   * 'always' (default): every staged file comes back with its SHA-256; a hard-linked file is read for it.
   * 'copies': only copies carry one (computed as they are copied, for free). Linking then costs a system call
   * per file and no read at all, so the caller can stage first and hash the linked files afterwards, e.g. in
   * parallel with sha256Files; `sha256` is then absent for links.
   */
  readonly checksum?: 'always' | 'copies';
  /** Called with the bytes of each file as it is placed (a copy: as its bytes are copied), for progress. */
  readonly onProgress?: (bytes: number) => void;
}

export interface StageFilesOptions extends StageOptions {
  /**
   * Called once for each file when it is in place, in the order they finish: a caller that fails later still
   * knows (and can report) what is already staged.
   */
  readonly onStaged?: (file: StagedFile) => void;
}

export interface StageTreeOptions extends StageOptions {
  /**
   * Replace a tree already staged under that name (a re-ingestion). The new tree is built under a hidden
   * temporary name and swapped in only when complete; the old one is removed after the swap. Without it an
   * existing name is refused (73).
   */
  readonly replace?: boolean;
}

/** One file for stageFiles: its path, and its name in the staging directory (default: the source's name). */
export interface FileToStage {
  readonly source: string;
  readonly name?: string;
}

/** A file placed in the staging directory. */
export interface StagedFile {
  /** File name in the staging directory (for a tree: path relative to the staged directory). */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the staged bytes, lowercase hex; absent only for a link staged with `checksum: 'copies'`. */
  readonly sha256?: string;
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
