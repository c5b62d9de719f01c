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

/** The version an envoy must report: its own project's, apps/<envoy>/package.json (written by `nx release`). */
export function envoyVersion(envoy: string): string {
  return (JSON.parse(readFileSync(join(workspaceRoot, 'apps', envoy, 'package.json'), 'utf8')) as { version: string }).version;
}
