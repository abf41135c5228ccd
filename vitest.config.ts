import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/lint-fixtures/**'],
    globalSetup: ['test/node-version.setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites spawn real processes (emulator, simulators, Azurite); two cores only.
    maxWorkers: 2,
  },
});
