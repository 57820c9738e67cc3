import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'wx-sandbox',
    include: ['test/**/*.test.ts'],
  },
});
