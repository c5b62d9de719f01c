import type { PipelineReader } from './types';

/** The pipeline's runner script for each reader (CONTRACT 4.7). */
export const RUNNER_SCRIPTS: Readonly<Record<PipelineReader, string>> = {
  vla: 'runvlapipeline.py',
  alma: 'runpipeline.py',
};

/** The reader CASA's pipeline uses for a telescope: VLA and EVLA the VLA pipeline's, ALMA the other. */
export function readerForTelescope(telescope: string | undefined): PipelineReader | undefined {
  const name = (telescope ?? '').trim().toUpperCase();
  if (name === 'VLA' || name === 'EVLA') return 'vla';
  if (name === 'ALMA') return 'alma';
  return undefined;
}
