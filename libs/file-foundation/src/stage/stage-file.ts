import { basename } from 'node:path';
import { stageFiles } from './stage-files';
import type { StageOptions, StagedFile } from './stage-types';

/**
 * Stages one file as `stagingDir/name` (default: the source's own name): stageFiles with a single file, so the
 * same checks apply (inside `options.root` or refused, 65; missing, 66; staging not writable, 73).
 */
export async function stageFile(
  source: string,
  stagingDir: string,
  name: string | undefined,
  options: StageOptions,
): Promise<StagedFile> {
  const [staged] = await stageFiles([{ source, name: name ?? basename(source) }], stagingDir, options);
  if (!staged) throw new Error(`staging ${source} returned nothing`);
  return staged;
}
