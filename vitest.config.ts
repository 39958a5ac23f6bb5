import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: { alias: { '@': root } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{lib,testing,scripts,components}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          // vitest's 5 s default fails CPU-heavy property tests on a busy 2-core machine (a test
          // cluster or a build beside them), which says nothing about the code: speed is the
          // benchmarks' business.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{lib,testing,scripts}/**/*.int.test.ts'],
          globalSetup: ['testing/vitest-global-setup.ts', 'testing/postgres-global-setup.ts'],
          // Tests against one shared API server: keep their load predictable on 2 cores.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
