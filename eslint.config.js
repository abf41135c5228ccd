// Lint: type-aware rules plus the architecture's boundaries (DESIGN section 11, STYLE practice 1).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const nodeBuiltins = [
  'fs', 'fs/promises', 'http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns', 'child_process',
  'cluster', 'worker_threads', 'os', 'path', 'process', 'readline', 'stream', 'zlib', 'crypto',
  'async_hooks', 'perf_hooks', 'v8', 'vm', 'module', 'url', 'util', 'events', 'buffer', 'timers',
];

const serviceNames = ['intake', 'worker', 'notifier'];

/** Deep imports into another package's source are banned everywhere: use its index. */
const deepImportPatterns = [
  { group: ['@tapline/*/src', '@tapline/*/src/**', '@tapline/*/test/**'], message: 'Import the package by name; its index.ts is its public surface.' },
  { group: ['**/packages/*/src/**', '**/services/*/src/**', '../../packages/**', '../../services/**', '../../../packages/**', '../../../services/**'], message: 'No relative imports across packages: import the package by name.' },
];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '.local/**', 'coverage/**', '**/dist/**', '**/lint-fixtures/**'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      // Resolves `./x.js` to `./x.ts` and workspace packages, so no-cycle sees real edges.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': ['error', { patterns: deepImportPatterns }],
    },
  },
  {
    files: ['packages/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.flatMap((m) => [
          { name: m, message: 'packages/domain is pure: no Node I/O modules.' },
          { name: `node:${m}`, message: 'packages/domain is pure: no Node I/O modules.' },
        ]),
        patterns: [
          ...deepImportPatterns,
          { group: ['@azure/*', '@microsoft/*', 'pino', 'rhea', 'jose'], message: 'packages/domain is pure: no SDK, Graph client or I/O library.' },
          { group: ['@tapline/*', '!@tapline/domain'], message: 'packages/domain depends on nothing in the workspace.' },
        ],
      }],
    },
  },
  ...serviceNames.map((svc) => ({
    files: [`services/${svc}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...deepImportPatterns,
          {
            group: serviceNames.filter((s) => s !== svc).flatMap((s) => [`@tapline/${s}`, `@tapline/${s}/**`, `../../${s}/**`, `../../../services/${s}/**`, `../../../../services/${s}/**`]),
            message: 'Services never import each other: share through packages/.',
          },
        ],
      }],
    },
  })),
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
