import { defineProject } from 'vitest/config';

// The server and mini-program end-to-end suites again, with the server speaking WeChat Pay
// APIv3 to the same sandbox: test/server/helpers/stack.ts reads FEN_WXPAY_API_VERSION.
export default defineProject({
  test: {
    name: 'e2e-v3',
    include: ['server/**/*.test.ts', 'miniprogram/**/*.test.ts', 'web/*.test.ts'],
    exclude: ['**/node_modules/**'],
    env: { FEN_WXPAY_API_VERSION: 'v3' },
  },
});
