import { inputError, InvalidInputError } from '@envoys/envoy-core';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute } from 'node:path';
import { directoryNameProblem } from '../names';
import { quote } from '../problems';
import { pipelineValueType } from './cast';
import { escapeXmlText } from './escape';

/** The two texts of a PPR corrected for the job's directory (CONTRACT 4.5), and SCIPIPE_ROOTDIR (CONTRACT 4.7). */
export interface PprPaths {
  /** The parent of the processing directory's real path: RootDirectory and SCIPIPE_ROOTDIR. */
  readonly rootDirectory: string;
  /**
   * The RelativePath text: the last component of that real path, spelled `./<name>` when the pipeline's
   * type conversion would not leave the name a string (a Slurm job id such as `4711`, `true`, `1e3`, ` 12 `).
   */
  readonly relativePath: string;
  /** The last component itself. */
  readonly directoryName: string;
}

// Characters XML 1.0 cannot carry at all, not even as a reference.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * The RelativePath text that leads the pipeline to directory `name` below SCIPIPE_ROOTDIR. The pipeline
 * converts the text (XmlObjectifier.castType) and joins it with os.path.join, which fails for anything but a
 * string; `./4711` stays a string and joins to the same directory.
 */
export function relativePathFor(name: string): string {
  return pipelineValueType(name) === 'string' ? name : `./${name}`;
}

/**
 * Computes RootDirectory and RelativePath from the processing directory as it really is: under HTCondor the
 * scratch directory is often reached through a symbolic link, and CASA resolves paths from the real one. A
 * path XML cannot carry (control characters) is refused (65): RootDirectory and RelativePath could not name
 * it, and a PPR that says something else than the directory CASA works in would mislead whoever reads it.
 */
export async function resolvePprPaths(processingDir: string): Promise<PprPaths> {
  let real: string;
  try {
    real = await realpath(processingDir);
  } catch (error) {
    throw inputError(error, `processing directory ${processingDir}`);
  }
  const directoryName = basename(real);
  if (directoryName === '') {
    throw new InvalidInputError(`processing directory ${processingDir} is the root directory: it has no parent for RootDirectory`);
  }
  const bad = NOT_XML.exec(real);
  if (bad) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new InvalidInputError(
      `processing directory ${quote(real)} has character U+${code}, which XML cannot hold: the corrected PPR cannot name it (rename the directory)`,
    );
  }
  const paths = { rootDirectory: dirname(real), relativePath: relativePathFor(directoryName), directoryName };
  // The checks correctPpr makes, made here already: a dry run stops before the correction but not before them.
  checkPprPaths(paths);
  return paths;
}

/**
 * The checks of the two texts a corrected PPR gets, shared by the audit of the processing directory (so a dry
 * run makes them too) and by correctPpr: an absolute RootDirectory, a RelativePath that is one directory name
 * (possibly spelled ./<name> so that the pipeline keeps it a string), both representable in XML. Returns them
 * escaped for the PPR.
 */
export function checkPprPaths(paths: Pick<PprPaths, 'rootDirectory' | 'relativePath'>): { rootDirectory: string; relativePath: string } {
  if (!isAbsolute(paths.rootDirectory)) {
    throw new InvalidInputError(`RootDirectory ${JSON.stringify(paths.rootDirectory)} must be an absolute path`);
  }
  const name = paths.relativePath.startsWith('./') ? paths.relativePath.slice(2) : paths.relativePath;
  const reason = directoryNameProblem(name);
  if (reason) throw new InvalidInputError(`RelativePath ${JSON.stringify(paths.relativePath)} ${reason} (it must be one directory name)`);
  return {
    rootDirectory: escapeXmlText(paths.rootDirectory, 'RootDirectory'),
    relativePath: escapeXmlText(paths.relativePath, 'RelativePath'),
  };
}
