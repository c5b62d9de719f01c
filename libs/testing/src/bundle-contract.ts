import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleAlone, bundlePath, envoyVersion } from './bundles';
import { nodeBinaries } from './node-binaries';

/**
 * The tests of CONTRACT 3.1 every envoy's bundle must pass: one file that runs on a node with Node.js and
 * nothing else, directly through its #! line. Call inside a test file of the envoy.
 */
export function describeStandaloneBundle(envoy: string, helpMentions: readonly string[], missingInput?: readonly string[]): void {
  describe(`${envoy} bundle`, () => {
    // The node on PATH is Node 20 (the oldest supported); the LTS is the one the release executables embed.
    it.each(nodeBinaries())('runs alone from an empty directory with an empty environment, on $name', ({ path }) => {
      const main = bundleAlone(envoy);
      const node = path() === process.execPath ? 'node' : path();
      const help = spawnSync('env', ['-i', 'PATH=/usr/bin:/bin', node, main, '--help'], { cwd: dirname(main), encoding: 'utf8' });
      expect([help.status, help.stderr]).toEqual([0, '']);
      for (const flag of helpMentions) expect(help.stdout).toContain(flag);
      expect(execFileSync(path(), [main, '--version'], { encoding: 'utf8' }).trim()).toBe(`${envoy} ${envoyVersion(envoy)}`);
      expect(readdirSync(dirname(main))).toEqual(['main.js']);
    });

    it('is the only file the build leaves in dist/apps/<envoy>', () => {
      expect(readdirSync(dirname(bundlePath(envoy)))).toEqual(['main.js']);
    });

    it('is executable directly through its #! line and reports its own project version', () => {
      const main = bundleAlone(envoy);
      expect(readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
      expect(statSync(main).mode & 0o111).not.toBe(0);
      expect(execFileSync(main, ['--version'], { encoding: 'utf8' }).trim()).toBe(`${envoy} ${envoyVersion(envoy)}`);
    });

    if (missingInput) {
      it.each(nodeBinaries())('writes its own project version into the run report, on $name', ({ path }) => {
        const main = bundleAlone(envoy);
        const dir = dirname(main);
        const run = spawnSync(path(), [main, ...missingInput, '--report', 'report.json'], { cwd: dir, encoding: 'utf8' });
        expect([run.status, run.stderr]).toEqual([66, expect.any(String)]);
        const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { envoy: string; version: string; exitCode: number };
        expect([report.envoy, report.version, report.exitCode]).toEqual([envoy, envoyVersion(envoy), 66]);
      });
    }

    it('requires nothing but Node built-ins', () => {
      const source = readFileSync(bundleAlone(envoy), 'utf8');
      // A require inside a string or template literal is text, not a call: ajv keeps such strings for the
      // standalone code it can generate (`require("ajv/dist/runtime/equal")`), which the envoys never do.
      const required = new Set([...source.matchAll(/(?<![`'"])\brequire\("([^"]+)"\)/g)].map((match) => match[1] ?? ''));
      const builtins = new Set(builtinModules);
      for (const name of required) expect([name, builtins.has(name.replace(/^node:/, ''))]).toEqual([name, true]);
    });
  });
}
