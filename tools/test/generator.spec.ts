import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '@nx/devkit';
import { readProjectConfiguration } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import ts from 'typescript';
import { tempDir, treeFingerprint } from '@envoys/testing';
import { envoyGenerator, envoyNames } from '../generators/envoy/generator.cjs';

// The envoy generator (`npx nx g @envoys/tools:envoy <name>`): first in Nx's virtual tree (what it writes,
// what it refuses), then for real in a temporary copy of the workspace, where the new envoy must build, pass
// its tests, type-check, lint and run. The real workspace never gets a generated app.

const root = join(__dirname, '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The files every generated envoy has, for `demo-x` with the default mode `run`. */
const DEMO_X_FILES = [
  'apps/demo-x-envoy/README.md',
  'apps/demo-x-envoy/jest.config.cjs',
  'apps/demo-x-envoy/package.json',
  'apps/demo-x-envoy/project.json',
  'apps/demo-x-envoy/src/launchers/run.ts',
  'apps/demo-x-envoy/src/main.ts',
  'apps/demo-x-envoy/src/settings.ts',
  'apps/demo-x-envoy/test/bundle.spec.ts',
  'apps/demo-x-envoy/test/run.spec.ts',
  'apps/demo-x-envoy/tsconfig.app.json',
  'apps/demo-x-envoy/tsconfig.spec.json',
];

/** A virtual workspace with this repository's root files and the project.json of every existing project. */
function workspaceTree(): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  const files = ['nx.json', 'package.json', 'tsconfig.base.json', 'jest.preset.js', 'eslint.config.mjs', 'tools/project.json'];
  for (const dir of ['apps', 'libs']) {
    for (const project of ['casa-envoy', 'ingest-envoy', 'carta-envoy', 'envoy-core', 'ppr-audit', 'file-foundation', 'log-verifier', 'testing']) {
      if (existsSync(join(root, dir, project, 'project.json'))) files.push(`${dir}/${project}/project.json`);
    }
  }
  for (const file of files) tree.write(file, read(file));
  return tree;
}

function filesUnder(tree: Tree, dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const child of tree.children(path)) {
      const full = `${path}/${child}`;
      if (tree.isFile(full)) found.push(full);
      else walk(full);
    }
  };
  walk(dir);
  return found.sort();
}

const text = (tree: Tree, path: string): string => tree.read(path, 'utf8') ?? `(missing: ${path})`;

/** Formatting rules the repository's code follows (eslint's config leaves formatting alone). */
const STYLE = {
  quotes: ['error', 'single', { avoidEscape: true, allowTemplateLiterals: true }],
  semi: ['error', 'always'],
  indent: ['error', 2, { SwitchCase: 1 }],
  'comma-dangle': ['error', 'always-multiline'],
  'object-curly-spacing': ['error', 'always'],
  'no-trailing-spaces': 'error',
  'no-tabs': 'error',
  'eol-last': 'error',
  'no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0 }],
};

// ESLint loads files through dynamic import(), which jest's module system refuses: it runs in a child process.
const LINT_STYLE = `
const { ESLint } = require('eslint');
const parser = require('@typescript-eslint/parser');
const { rules, globs, texts } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const eslint = new ESLint({ overrideConfigFile: true, overrideConfig: [{ files: ['**/*.ts', '**/*.cjs'], languageOptions: { parser }, rules }] });
(async () => {
  const results = await eslint.lintFiles(globs);
  for (const { path, text } of texts) results.push(...(await eslint.lintText(text, { filePath: path })));
  const problems = results.flatMap((r) => r.messages.map((m) => r.filePath + ':' + m.line + ' ' + m.ruleId + ': ' + m.message));
  process.stdout.write(JSON.stringify({ files: results.length, problems }));
})();
`;

/** Lints files of the repository (globs) and generated texts (as if at their path) with STYLE. */
function styleProblems(globs: readonly string[], texts: readonly { path: string; text: string }[]): { files: number; problems: string[] } {
  const input = JSON.stringify({ rules: STYLE, globs, texts: texts.map(({ path, text }) => ({ path: join(root, path), text })) });
  const result = spawnSync(process.execPath, ['-e', LINT_STYLE], { cwd: root, input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`style check failed to run: ${result.stderr}`);
  return JSON.parse(result.stdout) as { files: number; problems: string[] };
}

describe('envoy generator: in the virtual tree', () => {
  it('creates apps/<name>-envoy with an entry point, one launcher, settings, tests and project files', () => {
    const tree = workspaceTree();
    const before = new Map(tree.listChanges().map((change) => [change.path, change.content?.toString()]));
    envoyGenerator(tree, { name: 'demo-x' });
    expect(filesUnder(tree, 'apps/demo-x-envoy')).toEqual(DEMO_X_FILES);
    // Nothing is written outside the new app: every other file is as it was.
    const after = tree.listChanges();
    expect(after.filter((change) => !before.has(change.path)).map((change) => change.path).sort()).toEqual(DEMO_X_FILES);
    expect(after.filter((change) => before.has(change.path) && before.get(change.path) !== change.content?.toString())).toEqual([]);
  });

  it("project.json has exactly the existing envoys' targets, with its own names and the tags type:app, scope:<name>", () => {
    const tree = workspaceTree();
    envoyGenerator(tree, { name: 'demo-x' });
    // casa-envoy's tests also depend on the CASA emulator, and it has a suite against real CASA (test-casa); a new
    // envoy starts without either.
    const casa = read('apps/casa-envoy/project.json')
      .replace(/\n {2}"implicitDependencies": \[[^\]]*\],/, '')
      .replace(/,\n {4}"test-casa": \{[^}]*\}/, '')
      .replaceAll('casa-envoy', 'demo-x-envoy')
      .replace('"scope:casa"', '"scope:demo-x"');
    expect(JSON.parse(text(tree, 'apps/demo-x-envoy/project.json'))).toEqual(JSON.parse(casa));
    // Same layout too: the file reads like its neighbours.
    expect(text(tree, 'apps/demo-x-envoy/project.json')).toBe(casa);
    const project = readProjectConfiguration(tree, 'demo-x-envoy');
    expect(project.tags).toEqual(['type:app', 'scope:demo-x']);
    expect(project.projectType).toBe('application');
    expect(Object.keys(project.targets ?? {})).toEqual(['bundle', 'build', 'executable', 'typecheck', 'lint', 'test']);
    expect(project.targets?.['bundle']?.executor).toBe('@nx/esbuild:esbuild');
    expect(project.targets?.['test']?.dependsOn).toEqual(['build']);
  });

  it("tsconfig and jest files are the existing envoys' ones", () => {
    const tree = workspaceTree();
    envoyGenerator(tree, { name: 'demo-x' });
    expect(text(tree, 'apps/demo-x-envoy/tsconfig.app.json')).toBe(read('apps/casa-envoy/tsconfig.app.json'));
    expect(text(tree, 'apps/demo-x-envoy/tsconfig.spec.json')).toBe(read('apps/casa-envoy/tsconfig.spec.json').replace(', "test-casa/**/*.ts"', ''));
    const casaJest = read('apps/casa-envoy/jest.config.cjs')
      .replace("'casa-envoy'", "'demo-x-envoy'")
      .replace(/\n *\/\/ The real-CASA suite[^\n]*\n *testPathIgnorePatterns: [^\n]*/, '');
    expect(text(tree, 'apps/demo-x-envoy/jest.config.cjs')).toBe(casaJest);
  });

  it('main.ts declares the mode, the settings and the launcher; settings.ts the command setting', () => {
    const tree = workspaceTree();
    envoyGenerator(tree, { name: 'demo-x' });
    const main = text(tree, 'apps/demo-x-envoy/src/main.ts');
    expect(main).toContain("envoy: 'demo-x-envoy',");
    expect(main).toContain("flag: '--run',");
    expect(main).toContain("args: ['INPUT'],");
    expect(main).toContain('launchers: { run },');
    expect(main).toContain("import { run } from './launchers/run';");
    expect(main).toContain('void runEnvoy(demoXEnvoy).then((code) => process.exit(code));');
    const settings = text(tree, 'apps/demo-x-envoy/src/settings.ts');
    expect(settings).toContain('export const DEMO_X_SETTINGS: readonly SettingSpec[]');
    expect(settings).toContain("key: 'envoys.demo-x.command',");
    expect(settings).toContain("env: 'DEMO_X_COMMAND',");
  });

  it('the launcher has one setup step (the input audit), a launch and a verification', () => {
    const tree = workspaceTree();
    envoyGenerator(tree, { name: 'demo-x' });
    const launcher = text(tree, 'apps/demo-x-envoy/src/launchers/run.ts');
    expect(launcher).toContain('\nclass DemoXRun implements Launcher');
    expect(launcher).not.toContain('export class');
    expect(launcher.match(/step\('/g)).toHaveLength(1);
    expect(launcher).toContain("step('audit-input', () => this.auditInput())");
    expect(launcher).toContain("await requireFile(input, 'input');");
    expect(launcher).toContain('launchPlan(): LaunchPlan');
    expect(launcher).toContain("this.context.settings.string('envoys.demo-x.command')");
    expect(launcher).toContain('async verify(result: LaunchResult | undefined): Promise<readonly Finding[]>');
    expect(launcher).toContain('exitStatusFindings(result, this.command)');
    expect(launcher).toContain('export const run: LauncherFactory = (context) => new DemoXRun(context);');
    expect(text(tree, 'apps/demo-x-envoy/test/bundle.spec.ts')).toContain(
      "describeStandaloneBundle('demo-x-envoy', ['--run', 'envoys.demo-x.command', 'DEMO_X_COMMAND'], ['--run', 'missing-input']);",
    );
  });

  it('a mode of its own names the flag, the launcher file, its test and the identifiers', () => {
    const tree = workspaceTree();
    envoyGenerator(tree, { name: 'data-mover2', mode: 'standard-cal' });
    const files = filesUnder(tree, 'apps/data-mover2-envoy');
    expect(files).toContain('apps/data-mover2-envoy/src/launchers/standard-cal.ts');
    expect(files).toContain('apps/data-mover2-envoy/test/standard-cal.spec.ts');
    const main = text(tree, 'apps/data-mover2-envoy/src/main.ts');
    expect(main).toContain("launchers: { 'standard-cal': standardCal },");
    expect(main).toContain("flag: '--standard-cal',");
    expect(main).toContain('const dataMover2Envoy: EnvoyDefinition');
    expect(text(tree, 'apps/data-mover2-envoy/src/launchers/standard-cal.ts')).toContain('\nclass DataMover2StandardCal implements Launcher');
    expect(text(tree, 'apps/data-mover2-envoy/src/settings.ts')).toContain("env: 'DATA_MOVER2_COMMAND',");
  });

  it.each([
    ['demo-x', 'run'],
    ['data-mover2', 'standard-cal'],
  ])('the generated code for %s --%s parses, and no template syntax is left', (name, mode) => {
    const tree = workspaceTree();
    envoyGenerator(tree, { name, mode });
    for (const file of filesUnder(tree, `apps/${name}-envoy`)) {
      const source = text(tree, file);
      expect([file, source]).not.toEqual([file, expect.stringMatching(/<%|%>|&#\d+;|&quot;|__\w+__/)]);
      if (file.endsWith('.json')) expect(() => JSON.parse(source)).not.toThrow();
      if (file.endsWith('.ts')) {
        const { diagnostics } = ts.transpileModule(source, { fileName: file, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext } });
        expect([file, (diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))]).toEqual([file, []]);
      }
    }
  });

  it("is formatted like the repository's own code: 2 spaces, single quotes, semicolons, trailing commas", () => {
    const tree = workspaceTree();
    envoyGenerator(tree, { name: 'demo-x' });
    const generated = filesUnder(tree, 'apps/demo-x-envoy').filter((path) => /\.(ts|cjs)$/.test(path));
    expect(generated).toHaveLength(6);
    // The same rules over the existing envoys' code show that they describe the repository's style.
    const found = styleProblems(
      ['apps/casa-envoy/src/**/*.ts', 'apps/*/test/bundle.spec.ts', 'apps/*/jest.config.cjs'],
      generated.map((path) => ({ path, text: text(tree, path) })),
    );
    expect(found.files).toBeGreaterThan(16);
    expect(found.problems).toEqual([]);
    for (const file of filesUnder(tree, 'apps/demo-x-envoy').filter((path) => /\.(json|md)$/.test(path))) {
      const source = text(tree, file);
      expect([file, /\t| +$|\n\n\n/m.test(source), source.endsWith('\n') && !source.endsWith('\n\n')]).toEqual([file, false, true]);
    }
  });

  it.each([
    ['', /Envoy name missing/],
    ['Demo', /Invalid envoy name "Demo": use lowercase letters, digits and hyphens/],
    ['demo_x', /Invalid envoy name "demo_x"/],
    ['demo x', /Invalid envoy name "demo x"/],
    ['1demo', /Invalid envoy name "1demo"/],
    ['-demo', /Invalid envoy name "-demo"/],
    ['demo-', /Invalid envoy name "demo-"/],
    ['de--mo', /Invalid envoy name "de--mo"/],
    ['../demo', /Invalid envoy name "..\/demo"/],
    ['d'.repeat(41), /at most 40 characters/],
    ['demo-envoy', /without "-envoy" \("demo" creates apps\/demo-envoy\)/],
    ['envoy', /without "-envoy"/],
  ])('refuses the name %j with a clear message, writing nothing', (name, message) => {
    const tree = workspaceTree();
    const before = tree.listChanges().length;
    expect(() => envoyGenerator(tree, { name })).toThrow(message);
    expect(tree.listChanges()).toHaveLength(before);
  });

  it.each([
    ['help', /--help is an option every envoy already has/],
    ['dry-run', /--dry-run is an option every envoy already has/],
    ['Run', /Invalid mode "Run"/],
    ['run!', /Invalid mode "run!"/],
  ])('refuses the mode %j', (mode, message) => {
    expect(() => envoyNames({ name: 'demo-x', mode })).toThrow(message);
  });

  it('refuses an app that already exists, and a project of that name elsewhere, writing nothing', () => {
    const tree = workspaceTree();
    const before = tree.listChanges().length;
    expect(() => envoyGenerator(tree, { name: 'casa' })).toThrow('apps/casa-envoy already exists: choose another name');
    tree.write('tools/demo-y/project.json', JSON.stringify({ name: 'demo-y-envoy', root: 'tools/demo-y' }));
    expect(() => envoyGenerator(tree, { name: 'demo-y' })).toThrow('A project named demo-y-envoy already exists (in tools/demo-y)');
    expect(tree.listChanges()).toHaveLength(before + 1);
    envoyGenerator(tree, { name: 'demo-x' });
    expect(() => envoyGenerator(tree, { name: 'demo-x' })).toThrow('apps/demo-x-envoy already exists');
  });

  it('is registered as the local plugin @envoys/tools, which Nx resolves through tsconfig.base.json', () => {
    const pkg = JSON.parse(read('tools/package.json')) as { name: string; generators: string };
    expect(pkg.name).toBe('@envoys/tools');
    const collection = JSON.parse(read(join('tools', pkg.generators))) as { generators: Record<string, { factory: string; schema: string }> };
    const envoy = collection.generators['envoy'];
    expect(envoy).toBeDefined();
    expect(existsSync(join(root, 'tools', (envoy?.factory ?? '').split('#')[0] ?? ''))).toBe(true);
    expect(existsSync(join(root, 'tools', envoy?.schema ?? ''))).toBe(true);
    // Nx finds a local plugin that is not in node_modules by the tsconfig path of its import name (nx 23:
    // resolve-plugin.js, findNxProjectForImportPath); without this entry `nx g @envoys/tools:envoy` fails.
    const paths = (JSON.parse(read('tsconfig.base.json')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
    expect(paths['@envoys/tools']).toEqual(['./tools/generators/envoy/generator.cjs']);
  });
});

/**
 * The environment for commands run in the copy: none of the outer Nx task's or jest's variables, and a
 * TMPDIR of the test's own (the generated envoy's tests make temporary directories), removed with the copy.
 * It lies outside the copy: a bundle run from below the copy's node_modules link would not be standalone.
 */
function cleanEnv(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(NX_|JEST_)/.test(name)) env[name] = value;
  return { ...env, CI: 'true', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', TMPDIR: tmp };
}

/** Runs a command in `cwd`; fails with its whole output when it exits otherwise than expected. */
function sh(cwd: string, tmp: string, command: string, args: readonly string[], expectedStatus = 0): string {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(tmp), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== expectedStatus) {
    throw new Error(`\`${command} ${args.join(' ')}\` exited ${result.status ?? result.signal}, not ${expectedStatus}:\n${output}`);
  }
  return output;
}

/** What changed in the copy, leaving out what Nx itself writes (.nx, dist). */
function changedFiles(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => !/^(\.nx|dist)(\/|$)/.test(key) && before[key] !== after[key] && after[key] !== 'dir').sort();
}

describe('envoy generator: in a temporary copy of the workspace', () => {
  let scratch: string | undefined;

  afterAll(() => {
    if (scratch && !process.env['KEEP_GENERATOR_WORKSPACE']) rmSync(scratch, { recursive: true, force: true });
  });

  it('`npx nx g @envoys/tools:envoy demo-x` makes an envoy that builds, passes its tests, type-checks, lints and runs', () => {
    scratch = tempDir('envoys-generator-');
    const copy = join(scratch, 'workspace');
    const tmp = join(scratch, 'tmp');
    mkdirSync(tmp);
    const skip = new Set(['node_modules', 'dist', '.nx', '.git', 'tmp', 'coverage'].map((name) => join(root, name)));
    cpSync(root, copy, { recursive: true, filter: (source) => !skip.has(source) });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const nx = (args: readonly string[], expectedStatus = 0): string => sh(copy, tmp, 'npx', ['nx', ...args], expectedStatus);
    const before = treeFingerprint(copy);

    const generated = nx(['g', '@envoys/tools:envoy', 'demo-x', '--no-interactive']);
    for (const file of DEMO_X_FILES) expect(generated).toContain(`CREATE ${file}`);
    // A second envoy with a mode of its own, type-checked and linted below.
    nx(['g', '@envoys/tools:envoy', 'y2', '--mode=to-archive', '--no-interactive']);
    const created = changedFiles(before, treeFingerprint(copy));
    expect(created.filter((file) => !file.startsWith('apps/y2-envoy/'))).toEqual(DEMO_X_FILES);

    // The CLI refuses what the generator refuses, with the generator's message.
    expect(nx(['g', '@envoys/tools:envoy', 'casa', '--no-interactive'], 1)).toContain('apps/casa-envoy already exists');
    expect(nx(['g', '@envoys/tools:envoy', 'Demo_X', '--no-interactive'], 1)).toContain('Invalid envoy name "Demo_X"');

    nx(['build', 'demo-x-envoy', '--output-style=static']);
    const main = join(copy, 'dist/apps/demo-x-envoy/main.js');
    expect(readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(main).mode & 0o111).not.toBe(0);

    const tested = nx(['test', 'demo-x-envoy', '--output-style=static']);
    // Every test ran and passed: the mode's own tests and the shared bundle suite (whose size grows with
    // the Node.js versions it covers), none skipped.
    const counts = /Tests: +(\d+) passed, (\d+) total/.exec(tested);
    expect(counts?.[1]).toBe(counts?.[2]);
    const results = JSON.parse(readFileSync(join(copy, '.nx/test-results/demo-x-envoy.json'), 'utf8')) as { passed: number; failed: number };
    const modeTests = readFileSync(join(copy, 'apps/demo-x-envoy/test/run.spec.ts'), 'utf8').match(/^ {2}it\(/gm)?.length ?? 0;
    expect(modeTests).toBe(8);
    expect(results).toMatchObject({ passed: Number(counts?.[1]), failed: 0 });
    expect(results.passed).toBeGreaterThan(modeTests);

    nx(['run-many', '-t', 'typecheck', 'lint', '-p', 'demo-x-envoy', 'y2-envoy', '--output-style=static']);

    const help = sh(copy, tmp, 'node', [main, '--help']);
    expect(help).toContain('demo-x-envoy --run INPUT [options]');
    expect(help).toContain('envoys.demo-x.command (DEMO_X_COMMAND)');
    // Its own version, from its own package.json, which `nx release` versions with the other envoys.
    const own = JSON.parse(readFileSync(join(copy, 'apps/demo-x-envoy/package.json'), 'utf8')) as { name: string; version: string; private: boolean };
    expect(own).toMatchObject({ name: '@envoys/demo-x-envoy', version: '0.1.0', private: true });
    expect(sh(copy, tmp, main, ['--version']).trim()).toBe('demo-x-envoy 0.1.0');
  }, 300_000);
});
