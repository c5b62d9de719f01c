import { lstatSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoCode, UsageError } from '../errors';
import { runPagePath } from './run-page/write';

/** Where a run writes its report, run page and live status. */
export interface OutputPaths {
  readonly report: string;
  readonly page: string;
  readonly status: string;
}

export interface OutputRequest {
  readonly envoy: string;
  readonly mode: string;
  readonly workDir: string;
  readonly cwd: string;
  /** `--report FILE` as given, when given. */
  readonly report?: string;
  /** The mode checks a finished run: that run's record (report, page, status) must survive it. */
  readonly reviewsRun?: boolean;
}

// A report or status larger than this is not one an envoy wrote (they are kilobytes, a few megabytes at most).
const MAX_OWN_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Decides where the run's report, page and status go, and refuses (UsageError, exit 2) any of them that
 * would replace a file this envoy did not write: an input named by a slip in the job's arguments
 * (`--report PPR.xml`), another program's file, or, through `--report`, the record of a run of another mode.
 * A mode that reviews a finished run (casa-envoy --verify) writes `<envoy>-<mode>-report.json` and
 * `<envoy>-<mode>-status.json` beside that run's record instead of over it.
 */
export function planOutputs(request: OutputRequest): OutputPaths {
  const { envoy, mode, workDir } = request;
  let report = request.report ? resolve(request.cwd, request.report) : join(workDir, `${envoy}-report.json`);
  let status = join(workDir, `${envoy}-status.json`);
  const existing = ownReport(report, envoy);
  if (request.report && existing.kind === 'own' && existing.mode !== mode) {
    throw new UsageError(`--report ${request.report} would replace the report of a ${existing.mode} run: name another file`);
  }
  if (!request.report && request.reviewsRun && existing.kind === 'own' && existing.mode !== mode) {
    report = join(workDir, `${envoy}-${mode}-report.json`);
    status = join(workDir, `${envoy}-${mode}-status.json`);
  }
  const paths = { report, page: runPagePath(report), status };
  refuseForeign(paths.report, ownReport(paths.report, envoy), envoy, request.report ? `--report ${request.report}` : undefined);
  refuseForeign(paths.page, ownPage(paths.page, envoy), envoy, request.report ? `--report ${request.report} (its run page)` : undefined);
  refuseForeign(paths.status, ownStatus(paths.status, envoy), envoy, undefined);
  return paths;
}

/** The paths planOutputs starts from, unchecked: for a dry run that writes nothing. */
export function defaultOutputs(request: OutputRequest): OutputPaths {
  const report = request.report ? resolve(request.cwd, request.report) : join(request.workDir, `${request.envoy}-report.json`);
  return { report, page: runPagePath(report), status: join(request.workDir, `${request.envoy}-status.json`) };
}

type Ownership = { kind: 'absent' } | { kind: 'own'; mode: string } | { kind: 'foreign'; why: string };

function refuseForeign(path: string, ownership: Ownership, envoy: string, option: string | undefined): void {
  if (ownership.kind !== 'foreign') return;
  const what = option ?? `${basename(path)} in ${dirname(path)}`;
  throw new UsageError(`${what} would replace ${path}, which ${envoy} did not write (${ownership.why}): refusing to overwrite it`);
}

/** The file's text when it is a regular file of a sane size; why not otherwise; undefined when it does not exist. */
function readExisting(path: string): { text: string } | { why: string } | undefined {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { why: `cannot be examined: ${code ?? String(error)}` };
  }
  // Never followed: a link's target is somebody else's file, and a FIFO would block the envoy.
  if (!stats.isFile()) return { why: stats.isSymbolicLink() ? 'it is a symbolic link' : 'it is not a regular file' };
  if (stats.size > MAX_OWN_FILE_BYTES) return { why: 'it is far larger than any report' };
  // An empty file holds nothing to lose: it is the placeholder a batch system's wrapper makes for every output it
  // must bring back (HTCondor's transfer_output_files; deploy/htcondor/envoy-job.sh), so it is written over.
  if (stats.size === 0) return undefined;
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (error) {
    return { why: `cannot be read: ${errnoCode(error) ?? String(error)}` };
  }
}

function ownJson(path: string, envoy: string, what: string): Ownership {
  const existing = readExisting(path);
  if (existing === undefined) return { kind: 'absent' };
  if ('why' in existing) return { kind: 'foreign', why: existing.why };
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing.text);
  } catch {
    return { kind: 'foreign', why: `it is not a ${what}` };
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { envoy?: unknown }).envoy !== envoy) {
    return { kind: 'foreign', why: `it is not a ${what} of ${envoy}` };
  }
  const mode = (parsed as { mode?: unknown }).mode;
  return { kind: 'own', mode: typeof mode === 'string' ? mode : '' };
}

function ownReport(path: string, envoy: string): Ownership {
  return ownJson(path, envoy, 'run report');
}

function ownStatus(path: string, envoy: string): Ownership {
  return ownJson(path, envoy, 'status file');
}

function ownPage(path: string, envoy: string): Ownership {
  const existing = readExisting(path);
  if (existing === undefined) return { kind: 'absent' };
  if ('why' in existing) return { kind: 'foreign', why: existing.why };
  // Every run page ends with this footer (run-page/render.ts).
  return existing.text.includes(`<footer>Written by ${envoy} `) ? { kind: 'own', mode: '' } : { kind: 'foreign', why: `it is not a run page of ${envoy}` };
}
