import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp';

/** The workspace root, found from this file (libs/testing/src). */
export const workspaceRoot = join(__dirname, '../../..');

/** The built single-file bundle of an envoy (`npx nx build <envoy>` makes it). */
export function bundlePath(envoy: string): string {
  const path = join(workspaceRoot, 'dist/apps', envoy, 'main.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npx nx build ${envoy}\` first`);
  return path;
}

/** Copies an envoy's bundle alone into an empty directory, as a workflow copies it onto a cluster node. */
export function bundleAlone(envoy: string): string {
  const dir = tempDir(`${envoy}-alone-`);
  copyFileSync(bundlePath(envoy), join(dir, 'main.js'));
  return join(dir, 'main.js');
}

/** The version every envoy must report: the root package.json's. */
export const ENVOYS_VERSION_FROM_PACKAGE = (JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as { version: string }).version;
