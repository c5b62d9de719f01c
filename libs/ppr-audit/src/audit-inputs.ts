import { resolve } from 'node:path';
import { readAndAuditMetadata } from './metadata/read';
import type { MetadataFor } from './metadata/types';
import type { CasaMode } from './modes';
import { auditFailure, quote } from './problems';
import { auditPpr } from './ppr/audit';
import { place } from './ppr/fields';
import { scanPprFile } from './ppr/read';
import type { PprDocument, PprReading } from './ppr/types';

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
  /** The PPR; its telescope (and so its reader) is metadata's projectMetadata.telescope, else the PPR's own (CONTRACT 4.7). */
  readonly ppr: PprDocument;
}

/**
 * The setup's audit of casa-envoy's two inputs (CONTRACT 4.3, 4.4). Both files are read and every problem of
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
  const reading = pprResult.value.reading;
  const metadataTelescope = metadataAudit.ok ? metadataAudit.metadata.projectMetadata?.telescope?.trim() || undefined : undefined;
  const pprAudit = auditPpr(reading, metadataTelescope ? { telescope: metadataTelescope } : {});
  const mismatch = metadataTelescope ? telescopeMismatch(options.metadataPath, metadataTelescope, reading) : undefined;
  const problems = [
    ...(metadataAudit.ok ? [] : metadataAudit.problems),
    ...(mismatch ? [mismatch] : []),
    ...(pprAudit.ok ? [] : pprAudit.problems),
  ];
  if (!metadataAudit.ok || !pprAudit.ok || mismatch) throw auditFailure(problems);
  return { metadata: metadataAudit.metadata, ppr: pprAudit.document };
}

/** VLA and EVLA are one telescope (the VLA since its expansion); anything else compares as written. */
function telescopeKey(telescope: string): string {
  const name = telescope.trim().toUpperCase();
  return name === 'EVLA' ? 'VLA' : name;
}

/** The two files must describe one observation: metadata's telescope chooses the runner, the PPR's is what it was written for. */
function telescopeMismatch(metadataLabel: string, metadataTelescope: string, reading: PprReading): string | undefined {
  const element = reading.elements.get('ProjectSummary/Telescope');
  const pprTelescope = element?.count === 1 ? element.first?.content.text : undefined;
  if (!element?.first || pprTelescope === undefined || telescopeKey(pprTelescope) === telescopeKey(metadataTelescope)) return undefined;
  return `${place(reading.label, element.first.at)}: ProjectSummary/Telescope ${quote(pprTelescope)} is not the telescope of ${metadataLabel} (projectMetadata.telescope ${quote(metadataTelescope)}): the two files do not describe the same observation`;
}
