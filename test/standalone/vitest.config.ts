import { defineProject } from 'vitest/config';

// The repository on its own: a copy of the tracked files, with no reference folder beside it, runs the
// packages' known-answer suites (standalone.test.ts). Installing and building the copy takes
// seconds when idle, longer while the rest of the suite runs beside it.
export default defineProject({
  test: {
    name: 'standalone',
    include: ['**/*.test.ts'],
    hookTimeout: 180_000,
    testTimeout: 180_000,
  },
});
