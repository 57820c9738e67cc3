import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'storm',
    include: ['**/*.test.ts'],
  },
});
