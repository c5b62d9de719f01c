import { InvalidInputError } from '@envoys/envoy-core';
import { readChunks, openInputFile, type InputFile } from '../files/input-file';
import { locateOffsets } from './locate';
import { PprScanner, type Scan, type ScannedElement } from './scan';
import type { PprElement, PprLocation, PprReading } from './types';

export interface ReadPprOptions {
  /** The name used in messages (default: the path). */
  readonly label?: string;
}

/** A reading together with the bytes it was made from, for a correction that must change only two texts. */
export interface PprScan {
  readonly reading: PprReading;
  readonly bytes: Buffer;
}

/**
 * Streams the file through the decoder into the scanner chunk by chunk, keeping the bytes (at most
 * MAX_INPUT_BYTES) so that positions can be mapped to byte offsets afterwards. Only a missing file throws
 * (MissingInputError, 66); every other failure is a problem of the reading.
 */
export async function scanPprFile(file: InputFile): Promise<PprScan> {
  const scanner = new PprScanner(file.label);
  const chunks: Buffer[] = [];
  try {
    const handle = await openInputFile(file);
    try {
      // fatal: a replacement character would shift every byte offset after it; the BOM is stripped here.
      const decoder = new TextDecoder('utf-8', { fatal: true });
      const decode = (chunk?: Buffer): string | undefined => {
        try {
          return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
        } catch {
          scanner.reject(`${file.label}: is not valid UTF-8 text (a PPR must be UTF-8)`);
          return undefined;
        }
      };
      for await (const chunk of readChunks(handle, file.label)) {
        chunks.push(chunk);
        scanner.write(decode(chunk) ?? '');
        if (scanner.hasFailed) break;
      }
      if (!scanner.hasFailed) {
        if (chunks.length === 0) scanner.reject(`${file.label}: is empty (not an XML document)`);
        else scanner.write(decode() ?? '');
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    scanner.reject(error.message);
  }
  const bytes = Buffer.concat(chunks);
  return { reading: toReading(file, scanner.end(), bytes), bytes };
}

/**
 * Reads PPR.xml (SPEC 4.4) as a stream, without building a DOM and without expanding any entity. Throws
 * MissingInputError (66) when the file does not exist; any other trouble is listed in `problems`.
 */
export async function readPpr(path: string, options: ReadPprOptions = {}): Promise<PprReading> {
  const { reading } = await scanPprFile({ path, label: options.label ?? path });
  return reading;
}

function elementOffsets(element: ScannedElement): number[] {
  return [element.start, element.openEnd, element.closeStart, element.end];
}

function toReading(file: InputFile, scan: Scan, bytes: Buffer): PprReading {
  if (scan.problems.length > 0) {
    // What was found before the failure cannot be trusted (and may end inside a character): none is kept.
    const empty = { projectSummary: {}, rootDirectories: [], dataSets: [], procedureTitles: [], processingCommands: [] };
    return { path: file.path, label: file.label, problems: scan.problems, ...empty };
  }
  const elements = [
    ...scan.rootDirectories,
    ...scan.procedureTitles,
    ...scan.dataSets.flatMap((set) => [...set.relativePaths, ...set.sdmIdentifiers, ...set.dataTypes]),
    ...scan.processingCommands.flatMap((command) => command.commands),
  ];
  const offsets = [
    ...(scan.root ? [scan.root.start] : []),
    ...scan.dataSets.map((set) => set.start),
    ...scan.processingCommands.map((command) => command.start),
    ...elements.flatMap(elementOffsets),
  ];
  const located = locateOffsets(bytes, offsets);
  const at = (offset: number): PprLocation => {
    const location = located.get(offset);
    if (!location) throw new Error(`offset ${offset} was not located`);
    return location;
  };
  const range = (start: number, end: number) => ({ start: at(start).offset, end: at(end).offset });
  const element = (found: ScannedElement): PprElement => ({
    name: found.name,
    text: found.text,
    hasChildElements: found.hasChildElements,
    at: at(found.start),
    span: found.selfClosing
      ? { selfClosing: true, element: range(found.start, found.end) }
      : { selfClosing: false, element: range(found.start, found.end), content: range(found.openEnd, found.closeStart) },
  });
  return {
    path: file.path,
    label: file.label,
    problems: [],
    ...(scan.root ? { root: { name: scan.root.name, at: at(scan.root.start) } } : {}),
    projectSummary: Object.fromEntries(scan.projectSummary),
    rootDirectories: scan.rootDirectories.map(element),
    dataSets: scan.dataSets.map((set) => ({
      at: at(set.start),
      relativePaths: set.relativePaths.map(element),
      sdmIdentifiers: set.sdmIdentifiers.map(element),
      dataTypes: set.dataTypes.map(element),
    })),
    procedureTitles: scan.procedureTitles.map(element),
    processingCommands: scan.processingCommands.map((command) => ({
      at: at(command.start),
      commands: command.commands.map(element),
    })),
  };
}
