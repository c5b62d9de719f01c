import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnvoyContext } from '@envoys/envoy-core';

// The products of an imaging run are a few dozen files; a listing longer than this says less, not more.
const MAX_PRODUCTS = 60;

/** The newest `pipeline-<YYYYMMDDTHHMMSS>/html/index.html` in working/: the weblog of the latest pipeline run. */
async function newestWeblog(workingDir: string): Promise<string | undefined> {
  const names = (await readdir(workingDir).catch(() => [] as string[])).filter((name) => /^pipeline-\d{8}T\d{6}$/.test(name)).sort();
  for (const name of names.reverse()) {
    const index = join(workingDir, name, 'html', 'index.html');
    if ((await stat(index).catch(() => undefined))?.isFile()) return index;
  }
  return undefined;
}

/**
 * What a person looking at the run wants to open, for the run page and the report's `files`: the CASA logs
 * that were checked, the pipeline's weblog, and the products (each file, up to a limit, and the directory).
 */
export async function recordRunFiles(context: EnvoyContext, workingDir: string, productsDir: string, logs: readonly string[]): Promise<void> {
  for (const log of logs) {
    const size = (await stat(log).catch(() => undefined))?.size;
    context.recordFile({ role: 'log', path: log, label: 'CASA log', ...(size === undefined ? {} : { size }) });
  }
  const weblog = await newestWeblog(workingDir);
  if (weblog) context.recordFile({ role: 'weblog', path: weblog, label: "the pipeline's weblog" });
  const names = (await readdir(productsDir).catch(() => [] as string[])).sort();
  if (names.length === 0) return;
  context.recordFile({ role: 'product', path: productsDir, label: `products/ (${names.length} entr${names.length === 1 ? 'y' : 'ies'})` });
  for (const name of names.slice(0, MAX_PRODUCTS)) {
    const info = await stat(join(productsDir, name)).catch(() => undefined);
    if (!info) continue;
    context.recordFile({ role: 'product', path: join(productsDir, name), ...(info.isFile() ? { size: info.size } : { label: 'directory' }) });
  }
}
