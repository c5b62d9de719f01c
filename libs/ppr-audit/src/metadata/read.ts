import { InvalidInputError } from '@envoys/envoy-core';
import { readInputFile, type InputFile } from '../files/limited-input';
import type { CasaMode } from '../modes';
import { auditFailure } from '../problems';
import { auditMetadata } from './audit';
import type { MetadataAudit, MetadataFor } from './types';

/**
 * Reads and audits a metadata file, returning every problem (the file itself unreadable included) rather than
 * stopping at the first. Throws only MissingInputError (66) for a file that does not exist.
 */
export async function readAndAuditMetadata<M extends CasaMode>(file: InputFile, mode: M): Promise<MetadataAudit<M>> {
  let bytes: Buffer;
  try {
    bytes = await readInputFile(file);
  } catch (error) {
    if (error instanceof InvalidInputError) return { ok: false, problems: [error.message] };
    throw error;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problems: [`${file.label}: is not valid UTF-8 text`] };
  }
  return auditMetadata(text, mode, { label: file.label });
}

export interface ReadMetadataOptions {
  /** The name used in messages (default: the path). */
  readonly label?: string;
}

/**
 * Reads metadata.json and audits it for a mode (CONTRACT 4.3). Throws MissingInputError (66) when it does not
 * exist and InvalidInputError (65) naming the first problem, with every problem in `details`.
 */
export async function readMetadata<M extends CasaMode>(path: string, mode: M, options: ReadMetadataOptions = {}): Promise<MetadataFor<M>> {
  const audit = await readAndAuditMetadata({ path, label: options.label ?? path }, mode);
  if (!audit.ok) throw auditFailure(audit.problems);
  return audit.metadata;
}
