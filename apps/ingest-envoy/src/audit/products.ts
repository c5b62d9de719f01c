import { readdir } from 'node:fs/promises';
import { InvalidInputError, MissingInputError, inputError } from '@envoys/envoy-core';
import { inDir, type ProcessingDir } from './processing-dir';
import { describeEntry, listTree, type EntryInfo, type TreeFile } from './tree';

/** One top-level entry of products/. */
export interface ProductEntry extends EntryInfo {
  readonly name: string;
  /** Its path in products/ (the name the workflow gave it). */
  readonly path: string;
}

export interface Products {
  readonly dir: string;
  readonly entries: readonly ProductEntry[];
  /** Every file below products/, symlinks resolved: what a tar of products/ reads. */
  readonly files: readonly TreeFile[];
}

/**
 * Lists products/ and checks all of it before anything is staged: products/ must exist and hold something
 * (66 otherwise: the run that should have made the products made none), and every symlink anywhere below it
 * must stay inside the processing directory (65).
 */
export async function listProducts(dir: ProcessingDir): Promise<Products> {
  const path = inDir(dir, 'products');
  const root = await describeEntry(path, dir);
  if (root.kind !== 'directory') throw new InvalidInputError(`${path} is not a directory`);
  const tree = await listTree(path, dir);
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch (error) {
    throw inputError(error, path);
  }
  if (names.length === 0) throw new MissingInputError(`${path} is empty: there are no products to ingest`);
  const entries: ProductEntry[] = [];
  for (const name of names) {
    const entryPath = `${path}/${name}`;
    entries.push({ name, path: entryPath, ...(await describeEntry(entryPath, dir)) });
  }
  return { dir: path, entries, files: tree.files };
}

/** An old weblog archive in products/: never part of the calibration tar (CONTRACT 5.2). */
export function isWeblogArchive(name: string): boolean {
  return name.includes('weblog') && name.endsWith('.tgz');
}

/** calibration: everything in products/ except weblog archives goes into the caltables tar (66 if nothing). */
export function calibrationEntries(products: Products): ProductEntry[] {
  const selected = products.entries.filter((entry) => !isWeblogArchive(entry.name));
  if (selected.length === 0) throw new MissingInputError(`${products.dir} holds no calibration products (only weblog archives)`);
  return selected;
}

/** The image-level ancillary types by file name suffix, in the order they are listed (CONTRACT 5.2, 5.3). */
const ANCILLARY_SUFFIXES: ReadonlyArray<readonly [suffix: string, type: string]> = [
  ['.rms.fits', 'rms_image'],
  ['.pb.fits', 'primary_beam'],
  ['.mask.fits', 'clean_mask'],
  ['.alpha.fits', 'spectral_index'],
  ['.png', 'thumbnail_image'],
];

export interface ImageGroup {
  readonly image: ProductEntry;
  readonly ancillaries: ReadonlyArray<{ readonly type: string; readonly entry: ProductEntry }>;
}

function ancillaryOf(name: string): { stem: string; type: string } | undefined {
  for (const [suffix, type] of ANCILLARY_SUFFIXES) {
    if (name.endsWith(suffix) && name.length > suffix.length) return { stem: name.slice(0, -suffix.length), type };
  }
  return undefined;
}

/**
 * image, seci: every `*.fits` that is not an ancillary is a science image; the ancillaries sharing its stem
 * belong to it. A FITS ancillary without its image is refused (65): ingesting it alone would attach it to
 * nothing. A PNG without an image is not a thumbnail and stays out. No science image at all is 66.
 */
export function imageGroups(products: Products): ImageGroup[] {
  const files = products.entries.filter((entry) => entry.kind === 'file');
  const byStem = new Map<string, Array<{ type: string; entry: ProductEntry }>>();
  const images: ProductEntry[] = [];
  for (const entry of files) {
    const ancillary = ancillaryOf(entry.name);
    if (ancillary) {
      const list = byStem.get(ancillary.stem) ?? [];
      list.push({ type: ancillary.type, entry });
      byStem.set(ancillary.stem, list);
    } else if (entry.name.endsWith('.fits') && entry.name.length > '.fits'.length) {
      images.push(entry);
    }
  }
  if (images.length === 0) throw new MissingInputError(`${products.dir} holds no science image (*.fits that is not an ancillary)`);
  const stems = new Set(images.map((image) => image.name.slice(0, -'.fits'.length)));
  const orphans = [...byStem.entries()]
    .filter(([stem]) => !stems.has(stem))
    .flatMap(([, list]) => list.filter((item) => item.type !== 'thumbnail_image').map((item) => item.entry.path));
  if (orphans.length > 0) {
    throw new InvalidInputError(`${orphans[0]} is an image ancillary without its science image`, orphans.slice(1).map((path) => `also without its image: ${path}`));
  }
  const order = (type: string) => ANCILLARY_SUFFIXES.findIndex(([, candidate]) => candidate === type);
  return images.map((image) => ({
    image,
    ancillaries: (byStem.get(image.name.slice(0, -'.fits'.length)) ?? []).sort((a, b) => order(a.type) - order(b.type)),
  }));
}

/** The pipeline's own record of the run, tarred as pipeline_artifacts_<timestamp>.tar (CONTRACT 5.2). */
export function pipelineArtifactEntries(products: Products): ProductEntry[] {
  return products.entries.filter(
    (entry) =>
      entry.kind === 'file' && (entry.name === 'casa_pipescript.py' || entry.name === 'casa_commands.log' || entry.name.endsWith('.pipeline_manifest.xml')),
  );
}
