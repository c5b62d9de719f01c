import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, workspaceRoot } from '@envoys/testing';

export type CasaMode = 'standard-cal' | 'restore' | 'standard-img' | 'integrated';

/** The CASA emulator, installed as a CASA home (CONTRACT 8). */
export const CASA_EMULATOR_HOME = join(workspaceRoot, 'tools/emulators/casa');

export const SDM = 'brain_000.58099.67095825232';
export const CMS = 'brain_000.58099.67095825232.ms';

const EXAMPLES = join(workspaceRoot, 'tools/fixtures/examples');
const COMMANDS: Readonly<Record<CasaMode, readonly string[]>> = {
  'standard-cal': ['hifv_importdata', 'hifv_hanning', 'hifv_flagdata', 'hifv_vlasetjy', 'hifv_priorcals', 'hifv_finalcals', 'hifv_applycals', 'hifv_exportdata'],
  restore: ['hifv_restoredata', 'hifv_statwt'],
  'standard-img': ['hifv_importdata', 'hif_mstransform', 'hif_checkproductsize', 'hif_makeimlist', 'hif_makeimages', 'hifv_pbcor', 'hifv_exportdata'],
  integrated: ['hifv_restoredata', 'hifv_statwt', 'hif_mstransform', 'hif_makeimlist', 'hif_makeimages', 'hifv_pbcor', 'hifv_exportdata'],
};

function exampleText(name: string): string {
  return readFileSync(join(EXAMPLES, name), 'utf8');
}

/** The example PPR with the mode's pipeline commands (the stale RootDirectory/RelativePath are kept). */
export function pprFor(mode: CasaMode, sdm = SDM): string {
  const commands = COMMANDS[mode].map((command) => `                <ProcessingCommand>\n                    <Command>${command}</Command>\n                    <ParameterSet/>\n                </ProcessingCommand>\n`).join('');
  return exampleText('PPR.xml')
    .replace(/(<ProcedureTitle>[^<]*<\/ProcedureTitle>\n)[\s\S]*(\s{12}<\/ProcessingProcedure>)/, `$1${commands}$2`)
    .replace(/<SdmIdentifier>[^<]*<\/SdmIdentifier>/, `<SdmIdentifier>${sdm}</SdmIdentifier>`);
}

export function metadataFor(mode: CasaMode): Record<string, unknown> {
  const metadata = JSON.parse(exampleText('metadata.json')) as Record<string, unknown>;
  if (mode === 'standard-img') {
    metadata['workflowName'] = 'std_cms_imaging';
    metadata['productLocator'] = 'uid://evla/calibration/4fa2a1a6-83aa-4d4c-8b0d-1d3c9d7f4e6b';
    metadata['calibrationSourceDirectory'] = '/lustre/aoc/cluster/pipeline/docker/workspaces/spool/tmpcal0001';
    metadata['cmsName'] = CMS;
  }
  if (mode === 'restore' || mode === 'integrated') metadata['workflowName'] = mode === 'restore' ? 'restore_cms' : 'std_restore_imaging';
  return metadata;
}

/** The ASDMs of the ALMA example (tools/fixtures/examples/PPR-alma.xml). */
export const ASDMS = ['uid___A002_Xe1f219_X6d0e', 'uid___A002_Xe1f219_X7ee8'] as const;

const ALMA_COMMANDS: Readonly<Record<'standard-cal' | 'restore', readonly string[]>> = {
  'standard-cal': ['hifa_importdata', 'hifa_flagdata', 'hifa_fluxcalflag', 'hif_refant', 'hifa_tsyscal', 'hifa_bandpass', 'hifa_timegaincal', 'hif_applycal', 'hifa_exportdata'],
  restore: ['hifa_restoredata', 'hif_applycal', 'hifa_exportdata'],
};

/** The ALMA example PPR with the mode's pipeline commands (its stale RootDirectory/RelativePath kept). */
export function almaPprFor(mode: 'standard-cal' | 'restore'): string {
  const commands = ALMA_COMMANDS[mode].map((command) => `                <ProcessingCommand>\n                    <Command>${command}</Command>\n                    <ParameterSet/>\n                </ProcessingCommand>\n`).join('');
  return exampleText('PPR-alma.xml').replace(/(<ProcedureTitle>[^<]*<\/ProcedureTitle>\n)[\s\S]*(\s{12}<\/ProcessingProcedure>)/, `$1${commands}$2`);
}

export function almaMetadataFor(mode: 'standard-cal' | 'restore'): Record<string, unknown> {
  const metadata = JSON.parse(exampleText('metadata-alma.json')) as Record<string, unknown>;
  if (mode === 'restore') metadata['workflowName'] = 'restore_cms';
  return metadata;
}

export interface ProcessingDirOptions {
  readonly mode: CasaMode;
  /** The telescope the inputs are for: the VLA example (default) or the ALMA one (standard-cal and restore). */
  readonly telescope?: 'vla' | 'alma';
  /** Name of the processing directory (the job's scratch directory name). */
  readonly name?: string;
  readonly ppr?: string | Buffer;
  readonly metadata?: Record<string, unknown> | string;
  /** Make rawdata/<SdmIdentifier> (default true). */
  readonly rawdata?: boolean;
}

/** A processing directory as the workflow prepares it (CONTRACT 4.2), under a fresh temporary spool. */
export function makeProcessingDir(options: ProcessingDirOptions): string {
  const spool = tempDir('casa-spool-');
  const dir = join(spool, options.name ?? 'tmpk2x9q7r_');
  mkdirSync(join(dir, 'rawdata'), { recursive: true });
  if (options.telescope === 'alma') {
    const mode = options.mode === 'restore' ? 'restore' : 'standard-cal';
    for (const asdm of options.rawdata === false ? [] : ASDMS) {
      mkdirSync(join(dir, 'rawdata', asdm));
      writeFileSync(join(dir, 'rawdata', asdm, 'ASDM.xml'), '<ASDM/>\n');
    }
    const metadata = options.metadata ?? almaMetadataFor(mode);
    writeFileSync(join(dir, 'metadata.json'), typeof metadata === 'string' ? metadata : JSON.stringify(metadata, null, 2));
    writeFileSync(join(dir, 'PPR.xml'), options.ppr ?? almaPprFor(mode));
    return dir;
  }
  const sdm = options.mode === 'standard-img' ? CMS : SDM;
  if (options.rawdata !== false) {
    mkdirSync(join(dir, 'rawdata', sdm));
    writeFileSync(join(dir, 'rawdata', sdm, options.mode === 'standard-img' ? 'table.dat' : 'ASDM.xml'), '<ASDM/>\n');
  }
  const metadata = options.metadata ?? metadataFor(options.mode);
  writeFileSync(join(dir, 'metadata.json'), typeof metadata === 'string' ? metadata : JSON.stringify(metadata, null, 2));
  writeFileSync(join(dir, 'PPR.xml'), options.ppr ?? pprFor(options.mode, sdm));
  return dir;
}

/** A calibration tar in rawdata/ as the restore workflows deliver it. */
export async function addCalibrationTar(dir: string, name = `${SDM}.caltables.tar`): Promise<string> {
  const tar = await import('tar');
  const source = tempDir('caltables-');
  mkdirSync(join(source, 'unknown.session_1.caltables', 'finalcals.tbl'), { recursive: true });
  writeFileSync(join(source, 'unknown.session_1.caltables', 'finalcals.tbl', 'table.dat'), 'calibration table\n');
  writeFileSync(join(source, 'unknown.session_1.caltables', 'flux.csv'), 'source,flux\n3C286,14.9\n');
  const file = join(dir, 'rawdata', name);
  await tar.create({ file, cwd: source, gzip: name.endsWith('gz') }, ['unknown.session_1.caltables']);
  return file;
}

/** The environment for running casa-envoy against the emulator. */
export function casaEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { CASA_HOME: CASA_EMULATOR_HOME, ENVOY_GRACE_SECONDS: '5', ...extra };
}
