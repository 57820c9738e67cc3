import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'miniprogram',
    include: ['test/**/*.test.ts'],
    // miniprogram-simulate renders components into a DOM.
    environment: 'jsdom',
    // The tests run the compiled CommonJS (what DevTools opens): compile first.
    globalSetup: ['test/support/compile.ts'],
    testTimeout: 15_000,
  },
});
