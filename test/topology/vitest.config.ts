import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'topology',
    include: ['**/*.test.ts'],
    // Starts nginx, two server processes and the sandbox: one file, never beside another.
    fileParallelism: false,
    // Bounded as a whole under 5 minutes: set-up 60 s, the stream and the wait 150 s, the stop
    // 40 s (afterAll's own bound).
    testTimeout: 150_000,
    hookTimeout: 60_000,
  },
});
