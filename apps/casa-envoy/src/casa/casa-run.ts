import { join } from 'node:path';
import {
  durationMs,
  exitStatusFindings,
  findExecutable,
  step,
  type EnvoyContext,
  type Finding,
  type LaunchPlan,
  type LaunchResult,
  type Launcher,
  type RunningProcess,
} from '@envoys/envoy-core';
import { ensureDirectory, extractSafely, findCalibrationTar, requireDirectory, resolveInside } from '@envoys/file-foundation';
import { takeSnapshot, verify, type CasaProducts, type RuleSet, type Snapshot } from '@envoys/log-verifier';
import {
  auditInputs,
  correctPpr,
  describeValueType,
  pipelineValueType,
  resolvePprPaths,
  RUNNER_SCRIPTS,
  type AuditedInputs,
  type CasaMode,
  type PprPaths,
} from '@envoys/ppr-audit';
import { locateCasa, type CasaInstallation } from './casa-home';
import { casaLaunchPlan } from './environment';
import { casaRules } from './rules';
import { recordRunFiles } from './run-files';
import { CasaStageFollower } from './stages';
import { casaVerdict } from './verdict';

/** What distinguishes the four kinds of CASA run (CONTRACT 4.1). */
export interface CasaRunKind {
  readonly mode: CasaMode;
  /** Extract the calibration tar into products/ first (CONTRACT 4.6). */
  readonly restore: boolean;
  /** What the run must leave, as the pipeline exports it for this kind of run (CONTRACT 4.8). */
  readonly products: CasaProducts;
}

/**
 * One CASA pipeline run: audit the processing directory and inputs, find CASA, lay down the restore
 * foundation, correct the PPR for the job's real directory, launch CASA in working/, and verify from its
 * logs and markers that it really succeeded. The four modes differ only in their CasaRunKind.
 */
export function casaRun(context: EnvoyContext, kind: CasaRunKind): Launcher {
  return new CasaRun(context, kind);
}

class CasaRun implements Launcher {
  readonly steps;
  private readonly processingDir: string;
  private readonly workingDir: string;
  private readonly productsDir: string;
  private readonly rules: RuleSet;
  private inputs?: AuditedInputs<CasaMode>;
  private installation?: CasaInstallation;
  private paths?: PprPaths;
  private baseline?: Snapshot;
  private stages?: CasaStageFollower;

  constructor(
    private readonly context: EnvoyContext,
    private readonly kind: CasaRunKind,
  ) {
    this.processingDir = context.workDir;
    this.workingDir = join(this.processingDir, 'working');
    this.productsDir = join(this.processingDir, 'products');
    this.rules = casaRules(context.settings, kind.products);
    this.steps = [
      step('audit-directory', () => this.auditDirectory()),
      step('audit-inputs', () => this.auditInputs()),
      step('audit-rawdata', () => this.auditRawdata()),
      step('locate-casa', () => this.locateCasa()),
      ...(kind.restore ? [step('restore-foundation', () => this.restoreFoundation())] : []),
      step('prepare-directories', () => this.prepareDirectories()),
      step('correct-ppr', () => this.correctPpr()),
      step('baseline', () => this.takeBaseline()),
    ];
  }

  private async auditDirectory(): Promise<string> {
    await requireDirectory(this.processingDir, 'processing directory');
    await requireDirectory(join(this.processingDir, 'rawdata'), 'rawdata directory');
    this.paths = await resolvePprPaths(this.processingDir);
    return `processing directory ${this.processingDir}`;
  }

  private async auditInputs(): Promise<string> {
    const { args } = this.context.commandLine;
    this.inputs = await auditInputs({
      processingDir: this.processingDir,
      metadataPath: args['METADATA'] ?? '',
      pprPath: args['PPR'] ?? '',
      mode: this.kind.mode,
    });
    const { ppr, metadata } = this.inputs;
    this.context.recordDetail('productLocator', metadata.productLocator);
    this.context.recordDetail('telescope', ppr.telescope);
    this.context.recordDetail(ppr.reader === 'vla' ? 'sdmIdentifiers' : 'asdmDiskNames', [...ppr.dataNames]);
    return `metadata and PPR valid for ${this.kind.mode}: ${ppr.commandCount} pipeline commands, telescope ${ppr.telescope} (${RUNNER_SCRIPTS[ppr.reader]})`;
  }

  private async auditRawdata(): Promise<string> {
    const rawdata = join(this.processingDir, 'rawdata');
    const found: string[] = [];
    const element = this.inputs?.ppr.reader === 'alma' ? 'AsdmDiskName' : 'SdmIdentifier';
    for (const name of this.inputs?.ppr.dataNames ?? []) {
      const path = await resolveInside(rawdata, name, element);
      await requireDirectory(path, `rawdata/${name} (the data named by ${element})`);
      found.push(name);
    }
    return `rawdata holds ${found.join(', ')}`;
  }

  private async locateCasa(): Promise<string> {
    const { settings } = this.context;
    this.installation = await locateCasa(settings.optionalString('envoys.casa.home'), this.inputs?.ppr.reader ?? 'vla');
    // Here, not at the launch: in restore mode the whole calibration tar would be extracted first, and a dry
    // run must fail where the real run would.
    let xvfb: string | undefined;
    if (settings.boolean('envoys.casa.useXvfb')) {
      xvfb = await findExecutable(settings.string('envoys.casa.xvfbRun'), {
        env: this.context.env,
        cwd: this.context.cwd,
        what: 'xvfb-run',
        setBy: 'setting envoys.casa.xvfbRun; needed because envoys.casa.useXvfb (CASA_USE_XVFB) is true',
      });
    }
    return `CASA ${this.installation.casa}, runner ${this.installation.runner}${xvfb ? `, ${xvfb}` : ''}`;
  }

  private async restoreFoundation(): Promise<string> {
    const tar = await findCalibrationTar(join(this.processingDir, 'rawdata'), this.inputs?.metadata.calibrationTarball);
    if (this.context.dryRun) {
      const entries = await extractSafely(tar, this.productsDir, { dryRun: true });
      return `would extract ${entries.length} entries of ${tar} into products/`;
    }
    // A run killed outright may have left a half-done extraction in products/.
    await this.context.removeStaleTemporaries(this.productsDir);
    // extractSafely makes products/ only once every member passed: a refused tar leaves no trace.
    const entries = await extractSafely(tar, this.productsDir, { signal: this.context.signal });
    return `extracted ${entries.length} entries of ${tar} into products/`;
  }

  // A dry run makes the same calls with dryRun: every check of the real run, nothing written. There is no
  // second, dry-run-only version of a check to drift from the real one.
  private async prepareDirectories(): Promise<string> {
    const { dryRun } = this.context;
    await ensureDirectory(this.workingDir, 'working directory', { dryRun });
    await ensureDirectory(this.productsDir, 'products directory', { dryRun });
    // What a run killed outright left half-written (the corrected PPR, an extraction) goes before this one
    // writes (nothing in a dry run).
    await this.context.removeStaleTemporaries(this.workingDir);
    await this.context.removeStaleTemporaries(this.productsDir);
    return dryRun ? 'would create working/ and products/ where missing' : 'working/ and products/ ready';
  }

  private async correctPpr(): Promise<string> {
    const paths = this.paths as PprPaths;
    const ppr = this.inputs?.ppr;
    const source = ppr?.path ?? '';
    const target = join(this.workingDir, 'PPR.xml');
    const element = ppr?.reader === 'alma' ? 'SchedBlockIdentifier/RelativePath' : 'DataSet/RelativePath';
    // The exact texts, quoted: a name with spaces at either end or a spelling like ./4711 must be visible.
    const change = `RootDirectory ${JSON.stringify(paths.rootDirectory)}, ${element} ${JSON.stringify(paths.relativePath)}`;
    const type = pipelineValueType(paths.directoryName);
    const why =
      type === 'string'
        ? ''
        : ` (the pipeline would read the directory name ${JSON.stringify(paths.directoryName)} as ${describeValueType(type)}; ${JSON.stringify(paths.relativePath)} names the same directory as text)`;
    this.context.recordDetail('pprCorrection', { target, rootDirectory: paths.rootDirectory, relativePath: paths.relativePath, element });
    const { dryRun } = this.context;
    await correctPpr({ source, target, rootDirectory: paths.rootDirectory, relativePath: paths.relativePath, telescope: ppr?.telescope, dryRun });
    return `${dryRun ? 'would write' : 'wrote'} ${target} with ${change}${why}`;
  }

  private async takeBaseline(): Promise<string> {
    if (this.context.dryRun) return 'would record the logs and products present before the run';
    this.baseline = await takeSnapshot(this.workingDir, this.rules);
    return `recorded ${Object.keys(this.baseline.files).length} files present before the run`;
  }

  launchPlan(): LaunchPlan {
    const { settings } = this.context;
    return casaLaunchPlan({
      installation: this.installation as CasaInstallation,
      rootDirectory: (this.paths as PprPaths).rootDirectory,
      workingDir: this.workingDir,
      useXvfb: settings.boolean('envoys.casa.useXvfb'),
      xvfbRun: settings.string('envoys.casa.xvfbRun'),
      timeoutMs: durationMs(settings, 'envoys.casa.timeoutMinutes', 'minutes'),
    });
  }

  /** Follows CASA's log while it runs: the pipeline stage under way shows in the status and on the terminal. */
  async whileRunning(running: RunningProcess): Promise<void> {
    const commands = this.inputs?.ppr.commands ?? [];
    this.stages = new CasaStageFollower(this.context, this.workingDir, this.baseline, commands);
    this.stages.start();
    // Following is for people; whatever goes wrong with it must not stop CASA (a failure here would).
    await running.result.catch(() => undefined);
    await this.stages.stop().catch(() => undefined);
  }

  async verify(result: LaunchResult | undefined): Promise<readonly Finding[]> {
    const exit: Finding[] = result ? exitStatusFindings(result, this.installation?.casa ?? 'casa') : [];
    const checked = await verify(this.rules, { baseDir: this.workingDir, baseline: this.baseline, signal: this.context.signal });
    this.context.recordDetail('logsScanned', checked.filesScanned);
    const findings = casaVerdict(this.context, { exit, checked: checked.findings, stages: this.stages?.stages, log: this.stages?.file });
    // A SEVERE in a stage's lines marks the stage failed, unless the policy let the run succeed.
    if (findings.length > 0) this.stages?.markFailures(findings);
    await recordRunFiles(this.context, this.workingDir, this.productsDir, checked.filesScanned);
    return findings;
  }
}
