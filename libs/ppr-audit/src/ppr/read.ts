import { createHash } from 'node:crypto';
import { InvalidInputError } from '@envoys/envoy-core';
import { openInputFile, readChunks, type InputFile } from '../files/limited-input';
import { PprCollector } from './collect';
import { PprScanner } from './scan';
import { loadXmlParser } from './xml-parser';
import type { PprProblem, PprReading } from './types';

/**
 * A PPR is a few kB. The audit streams, so memory does not depend on the size, but time does: a file this
 * large is refused before it is read (a broken workflow, not a request).
 */
export const MAX_PPR_BYTES = 64 * 1024 * 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** Length of a UTF-8 byte order mark at the start of `bytes` (3), or 0. */
export function bomLength(bytes: Uint8Array): number {
  return UTF8_BOM.every((byte, index) => bytes[index] === byte) ? UTF8_BOM.length : 0;
}

export interface ReadPprOptions {
  /** The name used in messages (default: the path). */
  readonly label?: string;
}

/** A reading, with the SHA-256 and size of the bytes it was made from (a correction checks they did not change). */
export interface PprScan {
  readonly reading: PprReading;
  readonly sha256: string;
  readonly size: number;
}

/**
 * Streams the file through the decoder into the scanner chunk by chunk, keeping nothing of the text but what
 * the collector keeps. Only a missing file throws (MissingInputError, 66); every other failure is a problem
 * of the reading.
 */
export async function scanPprFile(file: InputFile): Promise<PprScan> {
  const collector = new PprCollector(file.label);
  const hash = createHash('sha256');
  let size = 0;
  let scanner: PprScanner | undefined;
  let readFailure: string | undefined;
  const Parser = await loadXmlParser();
  try {
    const handle = await openInputFile(file, MAX_PPR_BYTES);
    try {
      // fatal: a replacement character would shift every byte offset after it; the BOM is stripped here.
      const decoder = new TextDecoder('utf-8', { fatal: true });
      const decode = (active: PprScanner, chunk?: Buffer): string => {
        try {
          return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
        } catch {
          active.reject(`${file.label}: is not valid UTF-8 text (a PPR must be UTF-8)`);
          return '';
        }
      };
      for await (const chunk of readChunks(handle, file.label, MAX_PPR_BYTES)) {
        hash.update(chunk);
        size += chunk.length;
        scanner ??= new PprScanner(file.label, collector, bomLength(chunk), Parser);
        scanner.write(decode(scanner, chunk));
        if (scanner.failure) break;
      }
      if (scanner && !scanner.failure) scanner.write(decode(scanner));
    } finally {
      await handle.close().catch(() => undefined);
    }
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    readFailure = error.message;
  }
  const failure = readFailure ?? (scanner ? scanner.end() : `${file.label}: is empty (not an XML document)`);
  return { reading: toReading(file, collector, scanner, failure), sha256: hash.digest('hex'), size };
}

/**
 * Reads PPR.xml (CONTRACT 4.4) as a stream, without building a DOM and without expanding any entity. Throws
 * MissingInputError (66) when the file does not exist; any other trouble is listed in `problems`.
 */
export async function readPpr(path: string, options: ReadPprOptions = {}): Promise<PprReading> {
  const { reading } = await scanPprFile({ path, label: options.label ?? path });
  return reading;
}

function toReading(file: InputFile, collector: PprCollector, scanner: PprScanner | undefined, failure: string | undefined): PprReading {
  const base = { path: file.path, label: file.label };
  if (failure !== undefined) {
    // What was found before the failure cannot be trusted: none of it is kept.
    return { ...base, problems: [failure], elements: new Map(), partProblems: [], commandCount: 0, commands: [], asdmDiskNames: [] };
  }
  const partProblems: PprProblem[] = [...collector.problems];
  if (collector.problemsDropped > 0) {
    partProblems.push({ offset: Number.MAX_SAFE_INTEGER, text: `${file.label}: ${collector.problemsDropped} more problems of repeated parts are not listed` });
  }
  const root = scanner?.rootElement;
  return {
    ...base,
    problems: [],
    ...(root ? { root } : {}),
    elements: collector.occurrences,
    partProblems,
    commandCount: collector.commandCount,
    commands: collector.commands,
    asdmDiskNames: collector.asdmDiskNames,
  };
}
