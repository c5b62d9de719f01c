import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describeLibraryPackage, workspaceRoot } from '@envoys/testing';

// The package other teams install (dist/libs/envoy-core): errors keep their exit codes, and the logger works
// in both module systems.
describeLibraryPackage(
  'envoy-core',
  `new lib.InvalidInputError('x').exitCode === 65 &&
   lib.createLogger({ envoy: 'x', format: 'json', redactor: new lib.Redactor(), stream: process.stderr })
     .then((logger) => (typeof logger.info === 'function' ? 'ok' : 'no logger'))`,
);

describe('@envoys/envoy-core package: the machine contracts', () => {
  const dist = join(workspaceRoot, 'dist/libs/envoy-core');

  it.each(['run-report', 'status', 'event'])('ships schemas/%s.schema.json as in the repository, importable by its package path', (name) => {
    const file = `schemas/${name}.schema.json`;
    expect(readFileSync(join(dist, file), 'utf8')).toBe(readFileSync(join(workspaceRoot, 'libs/envoy-core', file), 'utf8'));
    // Inside the workspace, so that the package's own dependencies resolve from its node_modules.
    mkdirSync(join(workspaceRoot, 'tmp'), { recursive: true });
    const project = mkdtempSync(join(workspaceRoot, 'tmp/envoy-core-schemas-'));
    mkdirSync(join(project, 'node_modules/@envoys'), { recursive: true });
    symlinkSync(dist, join(project, 'node_modules/@envoys/envoy-core'), 'dir');
    const id = execFileSync(process.execPath, ['--preserve-symlinks', '-e', `console.log(require('@envoys/envoy-core/${file}').$id)`], { cwd: project, encoding: 'utf8' }).trim();
    expect(id).toBe(`https://envoys.example.org/schema/${name}.schema.json`);
    const version = execFileSync(process.execPath, ['--preserve-symlinks', '--input-type=module', '-e', `import { SCHEMA_VERSION } from '@envoys/envoy-core'; console.log(SCHEMA_VERSION)`], { cwd: project, encoding: 'utf8' }).trim();
    expect(version).toBe('1');
    rmSync(project, { recursive: true, force: true });
  });
});
