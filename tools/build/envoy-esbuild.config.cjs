// esbuild configuration shared by every envoy's bundle (the `bundle` target's `esbuildConfig`).
//
// An envoy is one file (CONTRACT 3.1), so every dependency is inlined; but V8 parses the whole file at every
// start, also for `--help`, and most of it is code a given run never calls: the RabbitMQ client is needed
// only when events go to a broker, the Redis client only by carta-envoy's routes, and so on. The packages
// below are imported only with `await import(...)` where they are used. Each is bundled on its own and
// embedded as a string, compiled the first time it is imported: scanning a string literal costs a fraction
// of parsing the same code, so a start pays only for what it runs.
const esbuild = require('esbuild');

/** Packages imported only dynamically by the envoys, under exactly this specifier (no subpath imports). */
const LAZY_PACKAGES = ['amqplib', 'ajv', '@redis/client', 'saxes', 'tar', 'tar/header', 'tar/pax'];

const NAMESPACE = 'envoys-lazy-package';

/**
 * Node.js's own modules that `--help` and usage errors never use but that Node.js compiles when they are
 * required (crypto alone pulls in 15 internal modules): the bundle's `require()` of each at start-up is
 * replaced by an object that requires it on first use. esbuild reads a named import at its use
 * (`import_node_crypto.createHash`), so `import { createHash } from 'node:crypto'` stays lazy; a namespace or
 * default import lists the module's keys and loads it at once, which is correct, only not lazy.
 */
const LAZY_BUILTINS = [
  'assert',
  'child_process',
  'crypto',
  'diagnostics_channel',
  'dns/promises',
  'fs/promises',
  'net',
  'os',
  'querystring',
  'stream',
  'string_decoder',
  'timers/promises',
  'tls',
  'worker_threads',
  'zlib',
];

const BUILTIN_NAMESPACE = 'envoys-lazy-builtin';

function lazyBuiltins(names) {
  const filter = new RegExp(`^(node:)?(${names.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'envoys-lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        // The stand-in's own require() is the real module.
        if (args.namespace === BUILTIN_NAMESPACE) return { path: args.path, external: true };
        return { path: `node:${args.path.replace(/^node:/, '')}`, namespace: BUILTIN_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: BUILTIN_NAMESPACE }, (args) => ({
        loader: 'js',
        contents: [
          `let loaded;`,
          `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
          // esbuild's interop (__toESM) copies a module's keys into an object of getters when it is imported:
          // the keys are those of the module as this build's Node.js has it, so that listing them loads nothing,
          // and a key a newer Node.js added is still found, through the prototype, which loads the module.
          `const keys = ${JSON.stringify(Object.keys(require(args.path)))};`,
          `const fallback = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });`,
          `module.exports = new Proxy({}, {`,
          `  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),`,
          `  has: (_, key) => key in load(),`,
          `  ownKeys: () => (loaded ? Reflect.ownKeys(loaded) : keys),`,
          `  getOwnPropertyDescriptor: (_, key) => {`,
          `    if (!loaded) return keys.includes(key) ? { value: undefined, writable: true, enumerable: true, configurable: true } : undefined;`,
          `    const descriptor = Reflect.getOwnPropertyDescriptor(loaded, key);`,
          `    return descriptor && { ...descriptor, configurable: true };`,
          `  },`,
          `  getPrototypeOf: () => fallback,`,
          `});`,
        ].join('\n'),
      }));
    },
  };
}

function lazyPackages(names) {
  const filter = new RegExp(`^(${names.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'envoys-lazy-packages',
    setup(build) {
      build.onResolve({ filter }, async (args) => {
        // build.resolve() below comes back through this hook: let esbuild's own resolution answer it.
        if (args.pluginData?.lazy) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { lazy: true } });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, namespace: NAMESPACE, pluginData: { name: args.path } };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (args) => {
        const result = await esbuild.build({
          entryPoints: [args.path],
          bundle: true,
          platform: 'node',
          target: build.initialOptions.target ?? 'node20',
          format: 'cjs',
          write: false,
          legalComments: 'none',
          // Whitespace and syntax only: names stay, so that a stack trace from inside the package still reads.
          minifyWhitespace: true,
          minifySyntax: true,
          logLevel: 'silent',
        });
        const source = result.outputFiles[0].text;
        return {
          loader: 'js',
          resolveDir: __dirname,
          contents: [
            `// ${args.pluginData.name}, compiled when first imported (tools/build/envoy-esbuild.config.cjs)`,
            `const lazyModule = { exports: {} };`,
            // The envoy's own file stands for the package's: a bundled package has no file of its own.
            `new Function('module', 'exports', 'require', '__filename', '__dirname', ${JSON.stringify(source)})(lazyModule, lazyModule.exports, require, __filename, __dirname);`,
            `module.exports = lazyModule.exports;`,
          ].join('\n'),
          warnings: result.warnings,
        };
      });
    },
  };
}

module.exports = {
  outExtension: { '.js': '.js' },
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  plugins: [lazyPackages(LAZY_PACKAGES), lazyBuiltins(LAZY_BUILTINS)],
};
