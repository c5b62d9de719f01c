import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlePath, tempDir, workspaceRoot } from '@envoys/testing';

export const ENVOYS = ['casa-envoy', 'ingest-envoy', 'carta-envoy'] as const;
export type Envoy = (typeof ENVOYS)[number];

export const DEPLOY_DIR = join(workspaceRoot, 'deploy');
export const SDM = 'brain_000.58099.67095825232';
/** The RelativePath the example PPR was written with: the job's scratch directory never has this name. */
export const STALE_RELATIVE_PATH = 'tmpo1ca1pp_';

/**
 * An installation laid out as deploy/slurm/README.md and deploy/htcondor/README.md document it (ENVOYS_HOME):
 *   <home>/<envoy>/main.js          the built bundle
 *   <home>/deploy/{slurm,htcondor}/  this repository's deploy scripts
 */
export function makeInstall(): string {
  const home = tempDir('envoys-home-');
  for (const envoy of ENVOYS) {
    mkdirSync(join(home, envoy));
    copyFileSync(bundlePath(envoy), join(home, envoy, 'main.js'));
  }
  cpSync(join(DEPLOY_DIR, 'slurm'), join(home, 'deploy/slurm'), { recursive: true });
  cpSync(join(DEPLOY_DIR, 'htcondor'), join(home, 'deploy/htcondor'), { recursive: true });
  return home;
}

/**
 * A CASA home of its own whose bin/casa is a link to the CASA emulator (its README allows this): the
 * emulator's processes then carry this unique path in their command line, so a test can look for leftovers
 * of its own jobs with `pgrep -f` without seeing other tests' emulators.
 */
export function makeCasaHome(): string {
  const home = tempDir('casa-home-');
  const emulator = join(workspaceRoot, 'tools/emulators/casa');
  mkdirSync(join(home, 'bin'));
  symlinkSync(join(emulator, 'bin/casa'), join(home, 'bin/casa'));
  mkdirSync(join(home, 'pipeline/pipeline'), { recursive: true });
  copyFileSync(join(emulator, 'pipeline/pipeline/runvlapipeline.py'), join(home, 'pipeline/pipeline/runvlapipeline.py'));
  return home;
}

/** A processing directory as the calibration workflow prepares it (CONTRACT 4.2), from the repository's examples. */
export function makeProcessingDir(parent: string, name: string, options: { metadata?: Record<string, unknown> } = {}): string {
  const examples = join(workspaceRoot, 'tools/fixtures/examples');
  const dir = join(parent, name);
  mkdirSync(join(dir, 'rawdata', SDM), { recursive: true });
  writeFileSync(join(dir, 'rawdata', SDM, 'ASDM.xml'), '<ASDM/>\n');
  copyFileSync(join(examples, 'PPR.xml'), join(dir, 'PPR.xml'));
  const metadata = { ...(JSON.parse(readFileSync(join(examples, 'metadata.json'), 'utf8')) as Record<string, unknown>), ...options.metadata };
  writeFileSync(join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  return dir;
}

/** A CAPO properties directory holding `<profile>.properties` (CONTRACT 3.4), as a site would provide it. */
export function makeCapo(profile: string, properties: Readonly<Record<string, string>>, parent?: string): string {
  const dir = parent ? mkdtempSync(join(parent, 'capo-')) : tempDir('capo-');
  const lines = Object.entries(properties).map(([key, value]) => `${key} = ${value}`);
  writeFileSync(join(dir, `${profile}.properties`), `# test site\n${lines.join('\n')}\n`);
  chmodSync(join(dir, `${profile}.properties`), 0o644);
  return dir;
}

/** The original PPR with RootDirectory and RelativePath replaced: what the envoy's correction must give. */
export function expectedCorrectedPpr(original: string, rootDirectory: string, relativePath: string): string {
  return original
    .replace(/<RootDirectory>[^<]*<\/RootDirectory>/, `<RootDirectory>${rootDirectory}</RootDirectory>`)
    .replace(/<RelativePath>[^<]*<\/RelativePath>/, `<RelativePath>${relativePath}</RelativePath>`);
}

export interface EnvoyReport {
  envoy: string;
  mode: string;
  status: 'succeeded' | 'failed';
  exitCode: number;
  signal?: string;
  launch?: { argv: string[]; cwd: string; env: Record<string, string>; exitCode: number | null; signal: string | null };
  findings: { file: string; line: number | null; rule: string; text: string }[];
}

export function readReport(file: string): EnvoyReport {
  return JSON.parse(readFileSync(file, 'utf8')) as EnvoyReport;
}
