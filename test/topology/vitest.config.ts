import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'topology',
    include: ['**/*.test.ts'],
    // Starts nginx, two server processes and the sandbox: one file, never beside another.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
