import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const GENERATOR = path.resolve(__dirname, '../../../tools/bench/gen-casa-log.mjs');

/** A fresh processing directory with working/ and products/, removed after the test file. */
export async function processingDir(): Promise<{ root: string; working: string; products: string }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'log-verifier-'));
  created.push(root);
  const working = path.join(root, 'working');
  const products = path.join(root, 'products');
  await fs.mkdir(working);
  await fs.mkdir(products);
  return { root, working, products };
}

const created: string[] = [];

export async function removeAll(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
}

export function casaLine(priority: string, message: string, origin = 'hifv_finalcals::::casa', time = '2021-05-06 18:02:13'): string {
  return `${time}\t${priority}\t${origin}\t${message}`;
}

/** Lines joined with a newline after each (the last one too, unless told otherwise). */
export function logText(lines: readonly string[], eol = '\n', finalNewline = true): string {
  return lines.join(eol) + (finalNewline ? eol : '');
}

export async function write(file: string, text: string | Buffer): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}
