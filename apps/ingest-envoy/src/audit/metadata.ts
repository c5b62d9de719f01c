import { InvalidInputError, MissingInputError, readInputFile } from '@envoys/envoy-core';
import { isBareName } from '../naming';
import { inDir, type ProcessingDir } from './processing-dir';

/** What ingestion needs from metadata.json (CONTRACT 4.3, 5.3); each mode asks for its own fields. */
export interface IngestMetadata {
  readonly telescope: string;
  /** The first SDM identifier (calibration: it names the caltables tar). */
  readonly firstFileSetId?: string;
  /** calibration: the execution block that was calibrated. */
  readonly productLocator?: string;
  /** image, seci: the calibration the images were made from. */
  readonly calProductLocator?: string;
}

export interface MetadataNeeds {
  readonly fileSetIds?: boolean;
  /** 'execblock': the locator must name an execution block (a calibration is of an EB). */
  readonly productLocator?: 'execblock';
  readonly calProductLocator?: boolean;
}

// metadata.json is a few kilobytes; a file far larger than that is not metadata and is not read into memory.
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON.parse failure as `file:line:column: not valid JSON: reason`. Node 20's own message often gives no
 * position; ppr-audit's locator (the one casa-envoy's metadata audit uses) always finds it. Loaded only on this
 * path: ppr-audit brings the XML parser with it, which every run would otherwise evaluate at start (~3 ms).
 */
async function notValidJson(file: string, text: string, error: unknown): Promise<InvalidInputError> {
  const { findJsonSyntaxError, lineAndColumn } = await import('@envoys/ppr-audit');
  const found = findJsonSyntaxError(text);
  if (!found) return new InvalidInputError(`${file}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  const { line, column } = lineAndColumn(text, found.offset);
  return new InvalidInputError(`${file}:${line}:${column}: not valid JSON: ${found.reason}`);
}

async function readMetadataObject(file: string): Promise<Record<string, unknown>> {
  let text = (await readInputFile({ path: file, label: file }, { maxBytes: MAX_METADATA_BYTES })).toString('utf8');
  // An editor may save a byte order mark; casa-envoy reads such a metadata.json, so ingestion does too.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw await notValidJson(file, text, error);
  }
  if (!isRecord(parsed)) throw new InvalidInputError(`${file}: not a JSON object`);
  return parsed;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * Reads DIR/metadata.json and audits the fields ingestion needs: every problem is collected and reported at
 * once (65), the first in the message and all in the details; a missing file is 66.
 */
export async function readIngestMetadata(dir: ProcessingDir, needs: MetadataNeeds): Promise<IngestMetadata> {
  const file = inDir(dir, 'metadata.json');
  const fields = await readMetadataObject(file).catch((error: unknown) => {
    if (error instanceof MissingInputError) throw new MissingInputError(`${file} does not exist (ingestion needs the telescope and product locators from it)`);
    throw error;
  });
  const problems: string[] = [];
  const project = fields['projectMetadata'];
  const telescope = isRecord(project) ? project['telescope'] : undefined;
  if (!nonEmptyString(telescope)) problems.push(`${file}: field projectMetadata.telescope is missing or empty (the manifest's telescope comes from it)`);

  let firstFileSetId: string | undefined;
  if (needs.fileSetIds) {
    const ids = fields['fileSetIds'];
    const first = Array.isArray(ids) ? (ids[0] as unknown) : ids;
    if (!nonEmptyString(first)) problems.push(`${file}: field fileSetIds is missing or empty (a string or a list of strings)`);
    else if (!isBareName(first.trim())) problems.push(`${file}: field fileSetIds: ${JSON.stringify(first)} is not a plain name (it names the caltables tar)`);
    else firstFileSetId = first.trim();
  }

  let productLocator: string | undefined;
  if (needs.productLocator) {
    const locator = fields['productLocator'];
    if (!nonEmptyString(locator)) problems.push(`${file}: field productLocator is missing or empty (the execution block that was calibrated)`);
    else if (!locator.includes(needs.productLocator)) problems.push(`${file}: field productLocator ${JSON.stringify(locator)} is not an execution block locator`);
    else productLocator = locator;
  }

  let calProductLocator: string | undefined;
  if (needs.calProductLocator) {
    const locator = fields['calProductLocator'];
    if (!nonEmptyString(locator)) problems.push(`${file}: field calProductLocator is missing or empty (the calibration the images were made from)`);
    else calProductLocator = locator;
  }

  if (problems.length > 0 || !nonEmptyString(telescope)) {
    throw new InvalidInputError(problems[0] ?? `${file}: invalid`, problems.slice(1));
  }
  return { telescope, firstFileSetId, productLocator, calProductLocator };
}
