import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    // *.v3.test.ts are APIv3-only counterparts: the e2e-v3 project (vitest.v3.config.ts) runs them.
    exclude: [
      '**/node_modules/**',
      'storm/**',
      'fuzz/**',
      'standalone/**',
      'topology/**',
      '**/*.v3.test.ts',
    ],
  },
});
