import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { CannotCreateError, EnvoyError, InvalidInputError, openAtomicFile, outputError } from '@envoys/envoy-core';
import { openInputFile, readChunks, type InputFile } from '../files/limited-input';
import { auditFailure } from '../problems';
import { auditPpr } from './audit';
import { checkPprPaths, type PprPaths } from './paths';
import { MAX_PPR_BYTES, scanPprFile } from './read';
import type { PprElement } from './types';

export interface CorrectPprOptions extends Omit<PprPaths, 'directoryName'> {
  /** The original PPR.xml; never written. */
  readonly source: string;
  /** Where the corrected copy goes (working/PPR.xml), written atomically. */
  readonly target: string;
  /** The name of the source in messages (default: its path). */
  readonly label?: string;
  /** The telescope that selects the pipeline's reader (metadata's when given, else the PPR's). */
  readonly telescope?: string;
  /** Every check and the edits, but nothing written: what a dry run does. */
  readonly dryRun?: boolean;
}

export interface CorrectedPpr {
  readonly target: string;
  /** The texts written, as given (before XML escaping). */
  readonly rootDirectory: string;
  readonly relativePath: string;
}

/** Bytes [start, end) of the source replaced by what `replace` makes of them. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly replace: (original: Buffer) => Buffer;
}

/**
 * The edit that gives `element` the text `escaped`. A self-closing element is rewritten as a start tag
 * (same name, prefix and attributes) plus text plus end tag; otherwise only the bytes between the tags change,
 * so comments or CDATA inside the element go with the old text.
 */
function replaceText(element: PprElement, escaped: string): Edit {
  const span = element.span;
  if (span.selfClosing) {
    return {
      ...span.element,
      replace: (original) => {
        const startTag = original.toString('utf8', 0, original.length - 2).replace(/[ \t\r\n]+$/, '');
        return Buffer.from(`${startTag}>${escaped}</${element.name}>`, 'utf8');
      },
    };
  }
  return { ...span.content, replace: () => Buffer.from(escaped, 'utf8') };
}

function write(stream: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolveWrite, reject) => {
    const onError = (error: Error) => reject(error);
    stream.once('error', onError);
    const done = () => {
      stream.off('error', onError);
      resolveWrite();
    };
    if (stream.write(chunk)) done();
    else stream.once('drain', done);
  });
}

/** Copies the source to `out` with the edits applied, streaming; returns the SHA-256 and size of what was read. */
async function copyWithEdits(file: InputFile, edits: readonly Edit[], out: Writable): Promise<{ sha256: string; size: number }> {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const hash = createHash('sha256');
  const handle = await openInputFile(file, MAX_PPR_BYTES);
  let position = 0;
  let next = 0;
  let captured: Buffer[] = [];
  try {
    for await (const chunk of readChunks(handle, file.label, MAX_PPR_BYTES)) {
      hash.update(chunk);
      let offset = 0;
      while (offset < chunk.length) {
        const edit = sorted[next];
        const here = position + offset;
        if (!edit || here < edit.start) {
          const upto = edit ? Math.min(chunk.length, edit.start - position) : chunk.length;
          await write(out, chunk.subarray(offset, upto));
          offset = upto;
          continue;
        }
        const upto = Math.min(chunk.length, edit.end - position);
        captured.push(chunk.subarray(offset, upto));
        offset = upto;
        if (position + offset === edit.end) {
          await write(out, edit.replace(Buffer.concat(captured)));
          captured = [];
          next += 1;
        }
      }
      position += chunk.length;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { sha256: hash.digest('hex'), size: position };
}

async function realLocation(path: string): Promise<string | undefined> {
  try {
    return join(await realpath(dirname(path)), basename(path));
  } catch {
    return undefined;
  }
}

// Inputs are never modified (CONTRACT 3.6): a target that is the source, or the file a source link points to,
// would be replaced by the rename of the atomic write.
async function refuseToOverwrite(source: string, target: string): Promise<void> {
  const targetLocation = (await realLocation(target)) ?? resolve(target);
  const sourceLocations = [resolve(source), await realLocation(source), await realpath(source).catch(() => undefined)];
  if (sourceLocations.includes(targetLocation)) {
    throw new CannotCreateError(`refusing to write the corrected PPR over its original ${source}`);
  }
}

/**
 * Writes a copy of the PPR whose RootDirectory and RelativePath (the DataSet's for the VLA reader, the
 * SchedBlockIdentifier's for the ALMA one) hold the job's real paths (CONTRACT 4.5). The copy is the original's
 * bytes with exactly those texts replaced: the pipeline and people comparing the two files rely on nothing
 * else moving. Both passes stream (memory does not grow with the file), and the second must read the same
 * bytes as the first. Fails with 65 (with every problem in `details`) when the PPR does not pass the audit
 * or changes meanwhile, 66 when it does not exist, 73 when the copy cannot be written. With `dryRun`,
 * makes every check and writes nothing.
 */
export async function correctPpr(options: CorrectPprOptions): Promise<CorrectedPpr> {
  const label = options.label ?? options.source;
  const { rootDirectory, relativePath } = checkPprPaths(options);
  await refuseToOverwrite(options.source, options.target);

  const file = { path: options.source, label };
  const scanned = await scanPprFile(file);
  const audit = auditPpr(scanned.reading, options.telescope ? { telescope: options.telescope } : {});
  if (!audit.ok) throw auditFailure(audit.problems);
  const edits = [replaceText(audit.document.rootDirectory, rootDirectory), replaceText(audit.document.relativePath, relativePath)];
  const corrected = { target: options.target, rootDirectory: options.rootDirectory, relativePath: options.relativePath };
  if (options.dryRun) return corrected;

  const out = await openAtomicFile(options.target);
  try {
    const copied = await copyWithEdits(file, edits, out.stream);
    if (copied.sha256 !== scanned.sha256 || copied.size !== scanned.size) {
      throw new InvalidInputError(`${label}: changed while it was being corrected (read it again when it is complete)`);
    }
    await out.commit();
  } catch (error) {
    await out.discard();
    // A failed write of the copy (disk full, ...) is the envoy's output failing: 73.
    throw error instanceof EnvoyError ? error : outputError(error, options.target);
  }
  return corrected;
}
