// esbuild configuration shared by every envoy's bundle (the `bundle` target's `esbuildConfig`).
//
// An envoy is one file (SPEC 3.1), so every dependency is inlined; but V8 parses the whole file at every
// start, also for `--help`, and most of it is code a given run never calls: the RabbitMQ client is needed
// only when events go to a broker, the Redis client only by carta-envoy's routes, and so on. The packages
// below are imported only with `await import(...)` where they are used. Each is bundled on its own and
// embedded as a string, compiled the first time it is imported: scanning a string literal costs a fraction
// of parsing the same code, so a start pays only for what it runs.
const esbuild = require('esbuild');

/** Packages imported only dynamically by the envoys, under exactly this specifier (no subpath imports). */
const LAZY_PACKAGES = ['amqplib', 'execa', 'winston', 'ajv', '@redis/client'];

const NAMESPACE = 'envoys-lazy-package';

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
  plugins: [lazyPackages(LAZY_PACKAGES)],
};
