import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from './bundles';

interface PackageManifest {
  name: string;
  version: string;
  license?: string;
  repository?: { type: string; url: string; directory?: string };
  files?: string[];
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
}

const LIBRARIES = ['envoy-core', 'ppr-audit', 'file-foundation', 'log-verifier'];

/** Runs `code` in a separate Node process that sees the built packages as installed in node_modules. */
function runWithPackages(code: string, esm: boolean): string {
  // Inside the workspace, so that the packages' own dependencies (amqplib, saxes, ...) resolve from its node_modules.
  mkdirSync(join(workspaceRoot, 'tmp'), { recursive: true });
  const project = mkdtempSync(join(workspaceRoot, 'tmp/package-check-'));
  try {
    mkdirSync(join(project, 'node_modules/@envoys'), { recursive: true });
    for (const lib of LIBRARIES) {
      if (existsSync(join(workspaceRoot, 'dist/libs', lib))) symlinkSync(join(workspaceRoot, 'dist/libs', lib), join(project, 'node_modules/@envoys', lib), 'dir');
    }
    const args = ['--preserve-symlinks', ...(esm ? ['--input-type=module'] : []), '-e', code];
    return execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' });
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

/**
 * The tests every published library must pass: `npx nx build <lib>` made `dist/libs/<lib>/`, a package that
 * Node loads with `require` and with `import` (the same exports), with type declarations for both, and a
 * package.json that says so. `check` is an expression over `lib` (the loaded module) that must print `ok`.
 */
export function describeLibraryPackage(lib: string, check: string): void {
  const dist = join(workspaceRoot, 'dist/libs', lib);
  const manifest = (): PackageManifest => JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8')) as PackageManifest;

  describe(`@envoys/${lib} package`, () => {
    it('is built with the version and dependencies of its package.json, every listed file present', () => {
      const source = JSON.parse(readFileSync(join(workspaceRoot, 'libs', lib, 'package.json'), 'utf8')) as PackageManifest;
      const built = manifest();
      expect(built).toEqual(source);
      expect(built.name).toBe(`@envoys/${lib}`);
      expect(built.license).toBe('BSD-3-Clause');
      for (const file of built.files ?? []) expect([file, existsSync(join(dist, file))]).toEqual([file, true]);
      expect(built.files).toEqual(expect.arrayContaining(['README.md', 'index.cjs', 'index.mjs', 'index.d.cts', 'index.d.mts']));
      for (const range of Object.values(built.dependencies ?? {})) expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
    });

    it('is complete as a package: the project\'s LICENSE, its repository, a README whose links work inside the tarball', () => {
      const project = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as PackageManifest;
      const built = manifest();
      expect(built.files).toEqual(expect.arrayContaining(['LICENSE']));
      expect(readFileSync(join(dist, 'LICENSE'), 'utf8')).toBe(readFileSync(join(workspaceRoot, 'LICENSE'), 'utf8'));
      expect(readFileSync(join(dist, 'LICENSE'), 'utf8')).toMatch(/^BSD 3-Clause License\n/);
      expect(built.repository).toEqual({ type: 'git', url: project.repository?.url, directory: `libs/${lib}` });
      const base = (project.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
      const links = [...readFileSync(join(dist, 'README.md'), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
      expect(links.length).toBeGreaterThan(0);
      for (const link of links) {
        const path = link.split('#', 1)[0] ?? '';
        if (link.startsWith('#')) continue;
        if (/^https?:/.test(link)) {
          // A link into the repository names a file that is there, at the tag of this version.
          if (link.startsWith(`${base}/-/blob/`)) {
            const prefix = `${base}/-/blob/${lib}@${built.version}/`;
            expect([link, link.startsWith(prefix)]).toEqual([link, true]);
            expect([link, existsSync(join(workspaceRoot, path.slice(prefix.length)))]).toEqual([link, true]);
          }
          continue;
        }
        expect([link, existsSync(join(dist, path))]).toEqual([link, true]);
      }
    });

    it('loads with require and with import, with the same exports, each declared in its types', () => {
      const name = JSON.stringify(`@envoys/${lib}`);
      const required = JSON.parse(runWithPackages(`console.log(JSON.stringify(Object.keys(require(${name})).sort()))`, false)) as string[];
      const imported = JSON.parse(runWithPackages(`console.log(JSON.stringify(Object.keys(await import(${name})).filter((k) => k !== 'default').sort()))`, true)) as string[];
      expect(required.length).toBeGreaterThan(0);
      expect(imported).toEqual(required);
      const types = readFileSync(join(dist, 'index.d.cts'), 'utf8');
      expect(readFileSync(join(dist, 'index.d.mts'), 'utf8')).toBe(types);
      for (const exported of required) expect([exported, new RegExp(`\\b${exported}\\b`).test(types)]).toEqual([exported, true]);
    });

    it('works through both module systems', () => {
      const name = JSON.stringify(`@envoys/${lib}`);
      expect(runWithPackages(`const lib = require(${name}); Promise.resolve(${check}).then((out) => console.log(out));`, false).trim()).toBe('ok');
      expect(runWithPackages(`const lib = await import(${name}); console.log(await (${check}));`, true).trim()).toBe('ok');
    });
  });
}
