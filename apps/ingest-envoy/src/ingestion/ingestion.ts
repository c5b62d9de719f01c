import { rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  durationMs,
  exitStatusFindings,
  outputError,
  step,
  InvalidInputError,
  type EnvoyContext,
  type Finding,
  type Launcher,
  type LaunchPlan,
  type LaunchResult,
  type SetupStep,
} from '@envoys/envoy-core';
import { isInside, realLocation } from '@envoys/file-foundation';
import { auditProcessingDir, type ProcessingDir } from '../audit/processing-dir';
import { resolveIngestCommand } from './ingest-command';
import { buildManifest, ingestionArtifactsName } from '../manifest/build';
import { validateManifest } from '../manifest/validate';
import { writeIngestionRecord } from '../manifest/write';
import { MANIFEST_NAME, ingestTimestamp } from '../naming';
import { stagingItems, type IngestionPlan, type StagingItem } from '../plan';
import { checkStagingDir, prepareStagingDir, stagingDirFor } from '../stage/staging-dir';
import { checksumStaged, stageItems, type ReportedFile } from '../stage/stage';
import { AttemptRecord, ATTEMPT_NAME, removeAttemptFiles } from '../stage/attempt';
import { describeRecovery, recoveryFor, type Recovery } from '../stage/recovery';

/** What differs between the four modes: how the processing directory becomes an ingestion plan. */
export interface IngestionMode {
  audit(dir: ProcessingDir, timestamp: string): Promise<IngestionPlan>;
}

const MiB = 1024 * 1024;

function describeItem(item: StagingItem): string {
  if (item.kind === 'file') return `${JSON.stringify(item.name)} from ${item.source}`;
  if (item.kind === 'tree') return `${JSON.stringify(item.name)}/ (${item.tree.files.length} files) from ${item.source}`;
  return `${JSON.stringify(item.name)}: new ${item.gzip ? 'gzipped ' : ''}tar of ${item.members.length} entr${item.members.length === 1 ? 'y' : 'ies'} of ${item.base}`;
}

/** Two items under one staged name would overwrite each other: refused before anything is written. */
function requireUniqueNames(items: readonly StagingItem[]): void {
  const seen = new Set<string>([MANIFEST_NAME]);
  for (const item of items) {
    if (seen.has(item.name)) throw new InvalidInputError(`two products would be staged as ${JSON.stringify(item.name)}`);
    seen.add(item.name);
  }
}

/** Whether linked files would be copied instead: the staging directory's file system is not the input's. */
async function sameFileSystem(source: string, stagingDir: string): Promise<boolean> {
  let probe = stagingDir;
  for (;;) {
    const info = await stat(probe).catch(() => undefined);
    if (info) return info.dev === (await stat(source)).dev;
    const parent = dirname(probe);
    if (parent === probe) return false;
    probe = parent;
  }
}

/**
 * The ingestion life cycle every mode shares (CONTRACT 5): audit the processing directory into a plan, find the
 * ingest command, check the staging directory, stage, checksum, write the manifest and the artifacts tar;
 * then launch `<ingest> --json -p <staging>`. Everything that can fail on the inputs fails before the first
 * file is written; a dry run does every check and writes nothing.
 */
export function ingestionLauncher(context: EnvoyContext, mode: IngestionMode): Launcher {
  return new IngestionRun(context, mode);
}

const SKIPPED = 'skipped: the products were ingested by an earlier run';

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('setup steps ran out of order');
  return value;
}

class IngestionRun implements Launcher {
  readonly steps: readonly SetupStep[];
  private readonly requestedReingest: boolean;
  private reingest: boolean;
  private readonly timestamp: string;
  private dir: ProcessingDir | undefined;
  private plan: IngestionPlan | undefined;
  private command: string | undefined;
  private stagingDir = '';
  private readonly staged: ReportedFile[] = [];
  // An earlier run that died in this staging directory, and what this run does about it.
  private recovery: Recovery | undefined;
  private record: AttemptRecord | undefined;
  // Ingest exited by itself: the outcome is known and the run's record can go once the report is written.
  private outcomeKnown = false;

  constructor(
    private readonly context: EnvoyContext,
    private readonly mode: IngestionMode,
  ) {
    this.requestedReingest = context.commandLine.options['--reingest'] === true;
    this.reingest = this.requestedReingest;
    this.timestamp = ingestTimestamp(context.startedAt);
    this.steps = [
      step('audit-inputs', () => this.auditInputs()),
      step('find-ingest', () => this.findIngest()),
      step('check-staging', () => this.checkStaging()),
      step('stage-products', () => this.stageProducts()),
      step('checksum-staged', () => this.checksumStaged()),
      step('write-manifest', () => this.writeManifest()),
    ];
  }

  private alreadyIngested(): boolean {
    return this.recovery?.action === 'already-ingested';
  }

  private async auditInputs(): Promise<string> {
    this.dir = await auditProcessingDir(this.context.workDir, this.context.signal);
    const plan = await this.mode.audit(this.dir, this.timestamp);
    this.plan = plan;
    requireUniqueNames(stagingItems(plan));
    const images = plan.science.length;
    const ancillaries = plan.science.reduce((sum, product) => sum + product.ancillaries.length, 0) + plan.ancillaries.length;
    return `${plan.telescope}: ${images} science product${images === 1 ? '' : 's'}, ${ancillaries} ancillar${ancillaries === 1 ? 'y' : 'ies'}`;
  }

  private async findIngest(): Promise<string> {
    const command = await resolveIngestCommand(this.context.settings.string('envoys.ingest.command'), this.context.env, this.context.cwd);
    this.command = command;
    return command;
  }

  private async checkStaging(): Promise<string> {
    const { context } = this;
    const dir = need(this.dir);
    const stagingDir = stagingDirFor(context.settings, dir.name, context.cwd);
    this.stagingDir = stagingDir;
    // Staging inside DIR would write into the inputs (and a caltables tar of products/ would hold itself).
    const realStaging = await realLocation(stagingDir).catch((error: unknown) => {
      throw outputError(error, `staging directory ${stagingDir}`);
    });
    if (isInside(dir.realPath, realStaging)) {
      throw new InvalidInputError(`staging directory ${stagingDir} (setting envoys.ingest.stagingRoot) lies inside the processing directory ${dir.path}`);
    }
    const recovery = await recoveryFor(stagingDir, this.requestedReingest);
    this.recovery = recovery;
    if (recovery) {
      this.reingest = recovery.reingest;
      const text = describeRecovery(recovery, context.dryRun);
      context.logger.child('check-staging').warn(text);
      context.recordDetail('recovery', { action: recovery.action, previousRun: recovery.previous ?? null, removed: [] });
    }
    const { reingest } = this;
    // The manifest of a dead run's staging does not refuse this run: the recovery decides.
    const exists = await checkStagingDir(stagingDir, reingest || recovery !== undefined);
    context.recordDetail('staging', { directory: stagingDir, reingest, files: this.staged });
    return `${stagingDir}${exists ? ' (exists' + (reingest ? '; re-ingestion)' : ')') : ''}${recovery ? `; ${recovery.action} after an earlier run that died` : ''}`;
  }

  private async stageProducts(): Promise<string> {
    if (this.alreadyIngested()) return SKIPPED;
    const { context, stagingDir, recovery, staged } = this;
    const { logger } = context;
    const items = stagingItems(need(this.plan));
    if (context.dryRun) {
      const firstFile = items.find((item): item is Exclude<StagingItem, { kind: 'tar' }> => item.kind !== 'tar');
      const linking = firstFile ? await sameFileSystem(firstFile.source, stagingDir) : true;
      for (const item of items) logger.child('stage-products').info(`would stage ${describeItem(item)}`);
      return `would stage ${items.length} items into ${stagingDir}${linking ? '' : ' (by copying: another file system)'}`;
    }
    await prepareStagingDir(stagingDir);
    if (recovery) {
      const removed = await removeAttemptFiles(stagingDir, recovery.previous?.names ?? []);
      context.recordDetail('recovery', { action: recovery.action, previousRun: recovery.previous ?? null, removed });
      if (removed.length > 0) logger.child('stage-products').info(`removed what the earlier run staged: ${removed.join(', ')}`);
    }
    await context.removeStaleTemporaries(stagingDir);
    // Before the first file: from here on a run that dies is recognised, and its files removed, by the next.
    const record = new AttemptRecord(stagingDir, {
      mode: context.mode,
      names: [...items.map((item) => item.name), ingestionArtifactsName(this.timestamp), MANIFEST_NAME],
      reingest: this.reingest,
      startedAt: context.startedAt,
    });
    this.record = record;
    await record.write('staging');
    await stageItems(items, stagingDir, { root: need(this.dir).realPath, signal: context.signal, logger: logger.child('stage-products'), status: context.status, staged });
    // The staging totals stay in the status file; the progress line moves on to the next step.
    context.status.progress(undefined);
    const links = staged.filter((file) => file.method === 'link').length;
    const copies = staged.filter((file) => file.method === 'copy').length;
    const created = staged.filter((file) => file.method === 'created').length;
    return `${staged.length} files in ${stagingDir}: ${links} linked, ${copies} copied, ${created} created`;
  }

  private async checksumStaged(): Promise<string> {
    if (this.alreadyIngested()) return SKIPPED;
    if (this.context.dryRun) return 'would compute the SHA-256 of every linked file';
    const bytes = await checksumStaged(this.staged, this.stagingDir, this.context.signal);
    return `${(bytes / MiB).toFixed(1)} MiB of linked files hashed; every staged file has its SHA-256`;
  }

  private async writeManifest(): Promise<string> {
    if (this.alreadyIngested()) return SKIPPED;
    const { context, stagingDir } = this;
    const artifactsName = ingestionArtifactsName(this.timestamp);
    const manifest = buildManifest(need(this.plan), { stagingDir, reingest: this.reingest, artifactsName });
    await validateManifest(manifest);
    const manifestPath = join(stagingDir, MANIFEST_NAME);
    if (context.dryRun) return `would write ${manifestPath} (valid against its schema) and ${artifactsName}`;
    this.staged.push(...(await writeIngestionRecord(manifest, stagingDir, context.startedAt)));
    // From here until ingest's exit status is known, a run that dies leaves it open whether the archive
    // took the products: the next run re-ingests.
    await this.record?.write('handed-over');
    context.recordDetail('manifest', manifestPath);
    return manifestPath;
  }

  launchPlan(): LaunchPlan | undefined {
    if (this.alreadyIngested()) return undefined;
    const timeoutMs = durationMs(this.context.settings, 'envoys.ingest.timeoutMinutes', 'minutes');
    return {
      argv: [need(this.command), '--json', '-p', this.stagingDir],
      cwd: this.context.workDir,
      env: {},
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
  }

  async verify(result: LaunchResult | undefined): Promise<readonly Finding[]> {
    if (!result) return [];
    this.outcomeKnown = result.stoppedBy === null && result.exitCode !== null;
    if (this.outcomeKnown && result.exitCode === 0) await this.record?.write('ingested');
    const findings = exitStatusFindings(result, need(this.command));
    // The staging directory stays as it is on failure so that an operator can see what ingest was given.
    return findings.map((finding) => ({ ...finding, text: `${finding.text}; staging directory kept for inspection: ${this.stagingDir}` }));
  }

  async afterReport(): Promise<void> {
    // The record stays when the run ended before ingest's outcome was known (a failure while staging, a
    // signal, a time limit): its writer is dead now, and the next run recovers from it.
    if (this.record && this.outcomeKnown) await this.record.remove();
    else if (this.alreadyIngested()) await rm(join(this.stagingDir, ATTEMPT_NAME), { force: true });
    this.record?.stop();
  }
}
