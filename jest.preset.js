// Shared jest settings for every project. Jest on Node 20 cannot load ESM, so TypeScript, and the ESM-only
// dependency tree of the packages named below (none today), are compiled to CommonJS by swc. The list of ESM
// packages is computed from the installed package.json files, so an upgrade that adds a dependency does not
// silently break the tests.
const { nxPreset } = require('@nx/jest/preset');
const { esmPackages } = require('./tools/jest/esm-packages.cjs');

const esm = esmPackages([]);
const escaped = esm.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Only *.spec files are tests (a module named spec.ts is not).
  testMatch: ['**/*.spec.ts', '**/*.spec.js', '**/*.spec.cjs'],
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/'],
  transform: {
    '^.+\\.(ts|js|mjs|cjs)$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: esm.length > 0 ? [`node_modules/(?!(${escaped.join('|')})/)`] : ['/node_modules/'],
  // The summary feeds `npm test`'s closing line; JUnit XML (reports/junit/<project>.xml) feeds GitLab.
  reporters: [
    'default',
    require('node:path').join(__dirname, 'tools/jest/summary-reporter.cjs'),
    require('node:path').join(__dirname, 'tools/jest/junit-reporter.cjs'),
  ],
  testTimeout: 60000,
  // Each test file's temporary directories go after its last test (ENVOYS_KEEP_TEMP=1 keeps them).
  setupFilesAfterEnv: [require('node:path').join(__dirname, 'libs/testing/src/jest/remove-temp-dirs.ts')],
};
