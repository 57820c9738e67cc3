import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'wxpay',
    include: ['test/**/*.test.ts'],
  },
});
