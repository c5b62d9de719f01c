import { resolve } from 'node:path';
import { readAndAuditMetadata } from './metadata/read';
import type { MetadataFor } from './metadata/types';
import type { CasaMode } from './modes';
import { auditFailure } from './problems';
import { auditPpr } from './ppr/audit';
import { scanPprFile } from './ppr/read';
import type { PprDocument } from './ppr/types';

export interface AuditInputsOptions<M extends CasaMode> {
  /** The processing directory; relative input paths are taken from here. */
  readonly processingDir: string;
  /** metadata.json as given on the command line. */
  readonly metadataPath: string;
  /** PPR.xml as given on the command line. */
  readonly pprPath: string;
  readonly mode: M;
}

export interface AuditedInputs<M extends CasaMode> {
  readonly metadata: MetadataFor<M>;
  /** The PPR; its telescope is metadata's projectMetadata.telescope, else the PPR's own (SPEC 4.7). */
  readonly ppr: PprDocument;
}

/**
 * The setup's audit of casa-envoy's two inputs (SPEC 4.3, 4.4). Both files are read and every problem of
 * both is collected before failing, so one run tells the operator everything to fix.
 * Throws MissingInputError (66) when a file does not exist, else InvalidInputError (65) whose message names
 * the first problem and how many more there are, and whose `details` lists them all.
 */
export async function auditInputs<M extends CasaMode>(options: AuditInputsOptions<M>): Promise<AuditedInputs<M>> {
  const metadataFile = { path: resolve(options.processingDir, options.metadataPath), label: options.metadataPath };
  const pprFile = { path: resolve(options.processingDir, options.pprPath), label: options.pprPath };
  // Both are read before either failure is raised: a missing file outranks any content problem of the other.
  const [metadataResult, pprResult] = await Promise.allSettled([
    readAndAuditMetadata(metadataFile, options.mode),
    scanPprFile(pprFile),
  ]);
  if (metadataResult.status === 'rejected') throw metadataResult.reason;
  if (pprResult.status === 'rejected') throw pprResult.reason;

  const metadataAudit = metadataResult.value;
  const pprAudit = auditPpr(pprResult.value.reading);
  const problems = [...(metadataAudit.ok ? [] : metadataAudit.problems), ...(pprAudit.ok ? [] : pprAudit.problems)];
  if (!metadataAudit.ok || !pprAudit.ok) throw auditFailure(problems);

  const metadata = metadataAudit.metadata;
  const telescope = metadata.projectMetadata?.telescope?.trim() || pprAudit.document.telescope;
  const { telescope: _pprTelescope, ...ppr } = pprAudit.document;
  return { metadata, ppr: { ...ppr, ...(telescope ? { telescope } : {}) } };
}
