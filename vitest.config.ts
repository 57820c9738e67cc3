import { defineConfig } from 'vitest/config';

// One run covers every package; each folder's vitest.config.ts names its project.
// The global setup runs once per run, in the root project; vitest merges what it provides into
// every project, so `inject('mongodbUri')` / `inject('redisUrl')` work in all of them.
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'test/vitest.config.ts',
      'test/vitest.v3.config.ts',
      'test/storm/vitest.config.ts',
      'test/fuzz/vitest.config.ts',
      'test/standalone/vitest.config.ts',
      'test/topology/vitest.config.ts',
    ],
  },
});
