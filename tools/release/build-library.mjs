#!/usr/bin/env node
// Builds one library into the package other teams install: `dist/libs/<lib>/` with a CommonJS and an ES module
// build of its public API (src/index.ts), their type declarations rolled up into one file, its package.json
// and README. The monorepo itself never uses this output: apps bundle the sources through the path aliases.
//
//   node tools/release/build-library.mjs <lib>               build, and fail when the public API changed
//                                                              without libs/<lib>/api/<lib>.api.md being updated
//   node tools/release/build-library.mjs <lib> --update-api  build, and rewrite the API report
//
// The build also fails when package.json's dependencies are not exactly the packages the library imports.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import semver from 'semver';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const [lib, ...flags] = process.argv.slice(2);
const updateApi = flags.includes('--update-api');
if (!lib || !existsSync(join(root, 'libs', lib, 'package.json'))) {
  console.error(`usage: build-library.mjs <lib> [--update-api]  (libs/<lib>/package.json must exist)`);
  process.exit(2);
}

const libRoot = join(root, 'libs', lib);
const outDir = join(root, 'dist/libs', lib);
const workDir = join(root, 'tmp/build-library', lib);
const manifest = JSON.parse(readFileSync(join(libRoot, 'package.json'), 'utf8'));
const fail = (message) => {
  console.error(`${lib}: ${message}`);
  process.exit(1);
};

rmSync(outDir, { recursive: true, force: true });
rmSync(workDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
mkdirSync(workDir, { recursive: true });

// 1. JavaScript: one file per module system; every npm package (including the other @envoys libraries) stays
//    an import, so the installing project resolves and deduplicates them. Dynamic import() of a dependency stays
//    import() in the CommonJS build too, so ES-module-only dependencies load under require().
const imported = new Set();
const builtins = new Set(builtinModules);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
for (const format of ['cjs', 'esm']) {
  const result = await build({
    entryPoints: [join(libRoot, 'src/index.ts')],
    outfile: join(outDir, format === 'cjs' ? 'index.cjs' : 'index.mjs'),
    bundle: true,
    packages: 'external',
    // The path aliases would otherwise bundle the other libraries' sources in.
    external: ['@envoys/*'],
    platform: 'node',
    target: 'node20',
    format,
    tsconfig: join(root, 'tsconfig.base.json'),
    metafile: true,
    legalComments: 'none',
    ...(format === 'esm' ? esmInteropOptions() : {}),
    logLevel: 'error',
  });
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path, external } of output.imports) if (external) imported.add(path);
  }
}

// 2. Dependencies: exactly the packages imported, with ranges the workspace's installed versions satisfy.
const needed = [...imported].filter((path) => !path.startsWith('node:') && !builtins.has(path)).map(packageOf);
const declared = Object.keys(manifest.dependencies ?? {});
const missing = [...new Set(needed)].filter((name) => !declared.includes(name)).sort();
const unused = declared.filter((name) => !needed.includes(name)).sort();
if (missing.length > 0 || unused.length > 0) {
  fail(
    `libs/${lib}/package.json dependencies must be exactly what the library imports` +
      (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '') +
      (unused.length > 0 ? `; not imported: ${unused.join(', ')}` : ''),
  );
}
for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
  const installed = name.startsWith('@envoys/')
    ? JSON.parse(readFileSync(join(root, 'libs', name.slice('@envoys/'.length), 'package.json'), 'utf8')).version
    : JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  if (!semver.satisfies(installed, range)) fail(`dependency ${name}@${range} does not include the version the workspace builds with (${installed})`);
}

// 3. Declarations of the library's sources (and of the libraries it imports, which the rollup leaves as imports).
const tsconfig = join(workDir, 'tsconfig.json');
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: join(root, 'tsconfig.base.json'),
    compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true, rootDir: root, declarationDir: join(workDir, 'types') },
    include: [join(libRoot, 'src/**/*.ts')],
  }),
);
try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', tsconfig], { cwd: root, stdio: 'inherit' });
} catch {
  fail('type declarations failed (see above)');
}

// 4. API Extractor: roll the declarations up into one file, and compare the public API with the reviewed report.
//    The other @envoys libraries resolve, as installed packages would, to their built packages (the build
//    depends on theirs), so the rollup imports them instead of copying their declarations in.
for (const dependency of Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@envoys/'))) {
  const built = join(root, 'dist/libs', dependency.slice('@envoys/'.length));
  if (!existsSync(join(built, 'index.d.cts'))) fail(`${dependency} is not built (dist/libs/${dependency.slice('@envoys/'.length)}): build it first`);
  mkdirSync(join(workDir, 'node_modules/@envoys'), { recursive: true });
  symlinkSync(built, join(workDir, 'node_modules', dependency), 'dir');
}
const reportFolder = join(libRoot, 'api');
const config = ExtractorConfig.prepare({
  configObject: {
    projectFolder: libRoot,
    mainEntryPointFilePath: join(workDir, 'types/libs', lib, 'src/index.d.ts'),
    bundledPackages: [],
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2023'],
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          strict: true,
          skipLibCheck: true,
          esModuleInterop: true,
        },
        include: [join(workDir, 'types/libs', lib, '**/*.d.ts')],
      },
    },
    apiReport: { enabled: true, reportFileName: `${lib}.api.md`, reportFolder, reportTempFolder: join(workDir, 'api') },
    docModel: { enabled: false },
    dtsRollup: { enabled: true, untrimmedFilePath: join(outDir, 'index.d.ts') },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      compilerMessageReporting: { default: { logLevel: 'error' } },
      extractorMessageReporting: {
        default: { logLevel: 'warning' },
        // Every export is public: release tags (@public, @beta) are not used in this repository.
        'ae-missing-release-tag': { logLevel: 'none' },
        // A type the API uses but the index does not export is recorded in the report, for the reviewer.
        'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
        // Documentation comments are reviewed in the code, not enforced by the report.
        'ae-undocumented': { logLevel: 'none' },
      },
      tsdocMessageReporting: { default: { logLevel: 'none' } },
    },
  },
  configObjectFullPath: join(libRoot, 'api-extractor.json'),
  packageJsonFullPath: join(libRoot, 'package.json'),
});
mkdirSync(reportFolder, { recursive: true });
let problems = 0;
const result = Extractor.invoke(config, { localBuild: updateApi, showVerboseMessages: false, messageCallback: quietWhenExpected });
if (result.errorCount > 0 || problems > 0) fail(`API Extractor reported ${result.errorCount} errors and ${problems} warnings (see above)`);
if (result.apiReportChanged && !updateApi) {
  const report = relative(root, join(reportFolder, `${lib}.api.md`));
  let diff = '';
  try {
    execFileSync('diff', ['-u', join(reportFolder, `${lib}.api.md`), join(workDir, 'api', `${lib}.api.md`)], { encoding: 'utf8' });
  } catch (error) {
    diff = error.stdout ?? '';
  }
  console.error(diff);
  fail(`the public API differs from ${report} (diff above). Review the change, then record it: npx nx run ${lib}:api-report`);
}

// The same declarations serve both module systems, under the extension TypeScript expects for each.
copyFileSync(join(outDir, 'index.d.ts'), join(outDir, 'index.d.cts'));
copyFileSync(join(outDir, 'index.d.ts'), join(outDir, 'index.d.mts'));
rmSync(join(outDir, 'index.d.ts'));

// 5. package.json, the project's LICENSE, what `files` names from the library's folder (envoy-core's
//    schemas/), and the README, whose links to files the package does not ship point into the repository.
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const repository = manifest.repository;
if (manifest.license !== rootManifest.license) fail(`package.json license must be the project's (${rootManifest.license})`);
if (repository?.type !== 'git' || repository.url !== rootManifest.repository?.url || repository.directory !== `libs/${lib}`) {
  fail(`package.json repository must be ${JSON.stringify({ ...rootManifest.repository, directory: `libs/${lib}` })} (the root package.json's, with this library's directory)`);
}
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
copyFileSync(join(root, 'LICENSE'), join(outDir, 'LICENSE'));
for (const file of manifest.files ?? []) {
  if (!existsSync(join(outDir, file)) && existsSync(join(libRoot, file))) cpSync(join(libRoot, file), join(outDir, file), { recursive: true });
}
writeFileSync(join(outDir, 'README.md'), packageReadme(readFileSync(join(libRoot, 'README.md'), 'utf8')));
for (const file of manifest.files ?? []) if (!existsSync(join(outDir, file))) fail(`"files" lists ${file}, which the build did not produce`);
console.log(`${lib}: dist/libs/${lib} (${manifest.name}@${manifest.version})${updateApi && result.apiReportChanged ? `; API report updated` : ''}`);

/**
 * The README as the package carries it: a relative link to a file the package ships stays as it is; one to
 * a file only the repository has (docs/REUSE.md, the API report) becomes a link to that file in the
 * repository at this version's tag (`<project>@<version>`, which the release makes before it publishes).
 */
function packageReadme(text) {
  const base = repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
  const tag = `${lib}@${manifest.version}`;
  return text.replace(/\]\(([^)\s]+)\)/g, (link, target) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return link;
    const [path, anchor] = target.split('#', 2);
    const inPackage = relative(libRoot, join(libRoot, path));
    if (!inPackage.startsWith('..') && (manifest.files ?? []).some((file) => inPackage === file || inPackage.startsWith(`${file}/`))) return link;
    const inRepository = relative(root, join(libRoot, path));
    if (inRepository.startsWith('..') || !existsSync(join(root, inRepository))) fail(`README.md links ${target}, which is not in the repository`);
    return `](${base}/-/blob/${tag}/${inRepository}${anchor ? `#${anchor}` : ''})`;
  });
}

/**
 * Node's ES modules see only the named exports it can detect in a CommonJS package, and miss some (those
 * assigned in ways its lexer does not follow). In the ES module build, a named import from a CommonJS-only package therefore becomes its
 * default import (the whole `module.exports`, which Node and bundlers always provide) and a destructuring.
 */
function esmInteropOptions() {
  const isCommonJsOnly = (name) => {
    const file = join(root, 'node_modules', name, 'package.json');
    if (!existsSync(file)) return false;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    return pkg.type !== 'module' && !JSON.stringify(pkg.exports ?? {}).includes('"import"') && pkg.module === undefined;
  };
  const namedImport = /^import\s*\{([^}]*)\}\s*from\s*'([^'./][^']*)';?$/gm;
  return {
    plugins: [
      {
        name: 'commonjs-dependencies',
        setup(builder) {
          builder.onLoad({ filter: /\.ts$/ }, (args) => {
            const source = readFileSync(args.path, 'utf8');
            let count = 0;
            const contents = source.replace(namedImport, (statement, list, specifier) => {
              if (specifier.startsWith('node:') || builtins.has(specifier) || !isCommonJsOnly(packageOf(specifier))) return statement;
              const names = list.split(',').map((name) => name.trim()).filter(Boolean);
              const types = names.filter((name) => name.startsWith('type ')).map((name) => name.slice(5));
              const values = names.filter((name) => !name.startsWith('type ')).map((name) => name.replace(/\s+as\s+/, ': '));
              const local = `__commonjs${(count += 1)}`;
              return [
                types.length > 0 ? `import type { ${types.join(', ')} } from '${specifier}';` : '',
                values.length > 0 ? `import ${local} from '${specifier}';\nconst { ${values.join(', ')} } = ${local};` : '',
              ].join('\n');
            });
            return { contents, loader: 'ts' };
          });
        },
      },
    ],
  };
}

function quietWhenExpected(message) {
  // API Extractor's own "you have changed the public API" warning is replaced by the diff and command above.
  if (message.messageId.startsWith('console-api-report-')) {
    message.handled = true;
    return;
  }
  if (message.logLevel === 'verbose' || message.logLevel === 'info' || message.logLevel === 'none') message.handled = true;
  else if (!message.handled) {
    message.handled = true;
    problems += 1;
    console.error(`${message.logLevel}: ${message.sourceFilePath ? `${relative(root, message.sourceFilePath)}: ` : ''}${message.text} (${message.messageId})`);
  }
}
