import { mkdirSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The EB of the fixtures, as the observatory names SDMs. */
export const SDM_ID = '19A-001.sb37264871.eb37265496.58530.59442835648';
export const EB_LOCATOR = 'uid://evla/execblock/48ba4c2a-9b5c-4e2a-8f6e-0e5c9b1d7a11';
export const CAL_LOCATOR = 'uid://evla/calibration/2f1e0c8d-5a44-4c57-9f3b-6d2b8e7c1a90';

/** A file name that a shell or a naive tar would mangle: spaces, both quotes, a newline. */
export const HOSTILE_NAME = `odd name 'single' "double"\nline two`;

function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

export interface MetadataOptions {
  readonly telescope?: string | null;
  readonly productLocator?: string | null;
  readonly calProductLocator?: string | null;
}

export function writeMetadata(dir: string, options: MetadataOptions = {}): void {
  const metadata: Record<string, unknown> = {
    fileSetIds: [SDM_ID],
    workflowName: 'std_calibration',
    systemId: '2',
    creationTime: '2024-03-05T12:00:00',
    destinationDirectory: '/lustre/aoc/cluster/pipeline/dsoc-dev/workspaces/spool/tmpo1ca1pp_',
  };
  if (options.productLocator !== null) metadata['productLocator'] = options.productLocator ?? EB_LOCATOR;
  if (options.calProductLocator !== null) metadata['calProductLocator'] = options.calProductLocator ?? CAL_LOCATOR;
  const project: Record<string, unknown> = { projectCode: '19A-001', title: 'A test', startTime: '58530.59', observer: 'Someone' };
  if (options.telescope !== null) project['telescope'] = options.telescope ?? 'EVLA';
  metadata['projectMetadata'] = project;
  write(join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2));
}

/** The newest pipeline run of every fixture: its weblog says NEWEST; older runs say so too. */
export const NEWEST_RUN = 'pipeline-20240305T120000';

/**
 * Three pipeline runs in working/. The newest by the name's timestamp gets the OLDEST modification time, so a
 * weblog picked by mtime or by directory order would be the wrong one.
 */
export function writeWeblogs(dir: string): void {
  const runs = ['pipeline-20231231T235959', NEWEST_RUN, 'pipeline-20240101T010101'];
  for (const run of runs) {
    const html = join(dir, 'working', run, 'html');
    write(join(html, 'index.html'), `<html>${run === NEWEST_RUN ? 'NEWEST' : 'older'} ${run}</html>\n`);
    write(join(html, 'stage1', 'plots', 'amp.png'), `png of ${run}`);
  }
  write(join(dir, 'working', 'casa-20240305-120000.log'), 'log\n');
  const old = new Date('2020-01-01T00:00:00Z');
  utimesSync(join(dir, 'working', NEWEST_RUN), old, old);
}

/** A processing directory after a standard calibration (CONTRACT 4.2). */
export function calibrationDir(dir: string, options: MetadataOptions & { hostileName?: boolean } = {}): string {
  writeMetadata(dir, options);
  writeWeblogs(dir);
  const products = join(dir, 'products');
  write(join(products, 'unknown.session_1.caltables.tgz'), Buffer.alloc(64 * 1024, 7));
  write(join(products, `${SDM_ID}.ms.flagversions.tgz`), Buffer.alloc(8 * 1024, 3));
  write(join(products, `${SDM_ID}.ms.calapply.txt`), 'calapply\n');
  write(join(products, 'casa_piperestorescript.py'), 'restore()\n');
  write(join(products, 'casa_pipescript.py'), 'pipescript()\n');
  write(join(products, 'casa_commands.log'), 'commands\n');
  write(join(products, 'unknown.pipeline_manifest.xml'), '<manifest/>\n');
  write(join(products, `${SDM_ID}.ms.hifv_finalcals.s6_2.finalBPcal.b`, 'table.dat'), 'table\n');
  write(join(products, `${SDM_ID}.ms.hifv_finalcals.s6_2.finalBPcal.b`, 'table.info'), 'info\n');
  write(join(products, 'weblog.tgz'), 'an old weblog archive\n');
  write(join(products, 'unknown.pipeline-weblog.tgz'), 'another old weblog archive\n');
  if (options.hostileName) write(join(products, HOSTILE_NAME), 'hostile\n');
  return dir;
}

export const IMAGE_STEMS = ['oussid.J1234+5678_sci.K_band.cont.I.iter1.image.pbcor.tt0', 'oussid.J2253+1608_sci.K_band.cont.I.iter1.image.pbcor.tt0'];

/** A processing directory after standard imaging: two images, one with every ancillary, one with some. */
export function imageDir(dir: string, options: MetadataOptions & { hostileName?: boolean; pipelineArtifacts?: boolean; additionalMetadata?: boolean } = {}): string {
  writeMetadata(dir, options);
  writeWeblogs(dir);
  const products = join(dir, 'products');
  const [full, partial] = IMAGE_STEMS as [string, string];
  write(join(products, `${full}.fits`), `SIMPLE  = T image ${full}`);
  for (const suffix of ['.rms.fits', '.pb.fits', '.mask.fits', '.alpha.fits', '.png']) write(join(products, `${full}${suffix}`), `${suffix} of ${full}`);
  write(join(products, `${partial}.fits`), `SIMPLE  = T image ${partial}`);
  write(join(products, `${partial}.pb.fits`), `pb of ${partial}`);
  write(join(products, `${partial}.png`), `png of ${partial}`);
  if (options.hostileName) {
    write(join(products, `${HOSTILE_NAME}.fits`), 'hostile image');
    write(join(products, `${HOSTILE_NAME}.rms.fits`), 'hostile rms');
  }
  if (options.pipelineArtifacts !== false) {
    write(join(products, 'casa_pipescript.py'), 'pipescript()\n');
    write(join(products, 'casa_commands.log'), 'commands\n');
    write(join(products, 'oussid.pipeline_manifest.xml'), '<manifest/>\n');
  }
  write(join(products, 'weblog.tgz'), 'an old weblog archive\n');
  write(join(products, 'notes.txt'), 'not a product the archive takes\n');
  if (options.additionalMetadata !== false) write(join(dir, 'additional_metadata.json'), JSON.stringify({ calibrator: 'J1234+5678', band: 'K' }));
  return dir;
}

/** A processing directory holding an SDM in rawdata/ (as for an observation's ingestion). */
export function observationDir(dir: string, options: MetadataOptions = {}): string {
  writeMetadata(dir, options);
  const sdm = join(dir, 'rawdata', SDM_ID);
  write(join(sdm, 'ASDM.xml'), '<ASDM/>\n');
  write(join(sdm, 'Main.xml'), '<MainTable/>\n');
  write(join(sdm, 'ASDMBinary', 'uid____evla_bdf_1550858540178.bdf'), Buffer.alloc(32 * 1024, 1));
  return dir;
}

/** A sparse file: `bytes` long, costs nothing on disk or tmpfs, slow to copy. */
export function sparseFile(path: string, bytes: number): void {
  write(path, '');
  truncateSync(path, bytes);
}

export function symlink(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}
