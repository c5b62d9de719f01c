import { CannotCreateError, InvalidInputError, writeFileAtomic } from '@envoys/envoy-core';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { directoryNameProblem } from '../names';
import { auditFailure } from '../problems';
import { auditPpr } from './audit';
import { escapeXmlText } from './escape';
import type { PprPaths } from './paths';
import { scanPprFile } from './read';
import type { PprElement } from './types';

export interface CorrectPprOptions extends PprPaths {
  /** The original PPR.xml; never written. */
  readonly source: string;
  /** Where the corrected copy goes (working/PPR.xml), written atomically. */
  readonly target: string;
  /** The name of the source in messages (default: its path). */
  readonly label?: string;
  /** Every check and the corrected bytes, but nothing written: what a dry run does. */
  readonly dryRun?: boolean;
}

export interface CorrectedPpr {
  readonly target: string;
  readonly rootDirectory: string;
  readonly relativePath: string;
  /** How many DataSet/RelativePath texts were replaced. */
  readonly relativePaths: number;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly replacement: Buffer;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;

/**
 * The edit that gives `element` the text `escaped`. A self-closing element is rewritten as a start tag
 * (same name, prefix and attributes) plus text plus end tag; otherwise only the bytes between the tags change,
 * so comments or CDATA inside the element go with the old text.
 */
function replaceText(bytes: Buffer, element: PprElement, escaped: string, label: string): Edit {
  const span = element.span;
  const misplaced = () =>
    new InvalidInputError(`${label}:${element.at.line}:${element.at.column}: cannot correct <${element.name}>: its bytes are not where the parser found them`);
  if (bytes[span.element.start] !== LT || bytes[span.element.end - 1] !== GT) throw misplaced();
  if (span.selfClosing) {
    if (bytes[span.element.end - 2] !== SLASH) throw misplaced();
    const startTag = bytes.toString('utf8', span.element.start, span.element.end - 2).replace(/[ \t\r\n]+$/, '');
    return {
      ...span.element,
      replacement: Buffer.from(`${startTag}>${escaped}</${element.name}>`, 'utf8'),
    };
  }
  if (bytes[span.content.start - 1] !== GT || bytes[span.content.end] !== LT || bytes[span.content.end + 1] !== SLASH) {
    throw misplaced();
  }
  return { ...span.content, replacement: Buffer.from(escaped, 'utf8') };
}

function applyEdits(bytes: Buffer, edits: readonly Edit[]): Buffer {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const parts: Buffer[] = [];
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.start < cursor) throw new Error('overlapping PPR edits');
    parts.push(bytes.subarray(cursor, edit.start), edit.replacement);
    cursor = edit.end;
  }
  parts.push(bytes.subarray(cursor));
  return Buffer.concat(parts);
}

async function realLocation(path: string): Promise<string | undefined> {
  try {
    return join(await realpath(dirname(path)), basename(path));
  } catch {
    return undefined;
  }
}

// Inputs are never modified (SPEC 3.6): a target that is the source, or the file a source link points to,
// would be replaced by the rename of the atomic write.
async function refuseToOverwrite(source: string, target: string): Promise<void> {
  const targetLocation = (await realLocation(target)) ?? resolve(target);
  const sourceLocations = [resolve(source), await realLocation(source), await realpath(source).catch(() => undefined)];
  if (sourceLocations.includes(targetLocation)) {
    throw new CannotCreateError(`refusing to write the corrected PPR over its original ${source}`);
  }
}

/**
 * The checks of the two texts a corrected PPR gets, shared by the audit of the processing directory (so a dry
 * run makes them too) and by correctPpr: an absolute RootDirectory, a RelativePath that is one directory name,
 * both representable in XML. Returns them escaped for the PPR.
 */
export function checkPprPaths(paths: PprPaths): { rootDirectory: string; relativePath: string } {
  if (!isAbsolute(paths.rootDirectory)) {
    throw new InvalidInputError(`RootDirectory ${JSON.stringify(paths.rootDirectory)} must be an absolute path`);
  }
  const reason = directoryNameProblem(paths.relativePath);
  if (reason) throw new InvalidInputError(`RelativePath ${JSON.stringify(paths.relativePath)} ${reason} (it must be one directory name)`);
  return {
    rootDirectory: escapeXmlText(paths.rootDirectory, 'RootDirectory'),
    relativePath: escapeXmlText(paths.relativePath, 'RelativePath'),
  };
}

/**
 * Writes a copy of the PPR whose RootDirectory and every DataSet/RelativePath hold the job's real paths
 * (SPEC 4.5). The copy is the original's bytes with exactly those texts replaced: the pipeline and people
 * comparing the two files rely on nothing else moving. Fails with 65 (with every problem in `details`)
 * when the PPR does not pass the audit, 66 when it does not exist, 73 when the copy cannot be written. With
 * `dryRun`, makes every check and writes nothing.
 */
export async function correctPpr(options: CorrectPprOptions): Promise<CorrectedPpr> {
  const label = options.label ?? options.source;
  const { rootDirectory, relativePath } = checkPprPaths(options);
  await refuseToOverwrite(options.source, options.target);

  const { reading, bytes } = await scanPprFile({ path: options.source, label });
  const audit = auditPpr(reading);
  if (!audit.ok) throw auditFailure(audit.problems);
  const { document } = audit;
  const edits = [
    replaceText(bytes, document.rootDirectory, rootDirectory, label),
    ...document.dataSets.map((set) => replaceText(bytes, set.relativePath, relativePath, label)),
  ];
  const corrected = applyEdits(bytes, edits);
  if (!options.dryRun) await writeFileAtomic(options.target, corrected);
  return {
    target: options.target,
    rootDirectory: options.rootDirectory,
    relativePath: options.relativePath,
    relativePaths: document.dataSets.length,
  };
}
