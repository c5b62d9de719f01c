// Lint: TypeScript rules plus Nx's module boundaries, which keep the design card's one-way data flow:
// apps use libs, libs never use apps, envoy-core (the bottom layer) uses no other lib, no app uses another.
import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', 'tmp/**'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          // Libraries are built one at a time with their dependencies left as imports, and the build refuses
          // any import that its package.json does not declare; tests may use the unbuilt test helpers.
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            // envoy-core is the bottom layer; its tests may use the test helpers, which depend on nothing.
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core', 'scope:testing'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:core', 'scope:shared', 'scope:testing'] },
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs', '**/*.js', '**/*.mjs'],
    // Plain Node scripts (emulators, tools): CommonJS, and empty handlers are how a process ignores a signal.
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-empty-function': 'off' },
  },
];
