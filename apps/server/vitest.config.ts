import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // The server these tests start through @fen/test-support is this package's source, not its
  // last build: a change is tested without `pnpm build`.
  resolve: {
    alias: { '@fen/server': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    name: 'server',
    include: ['test/**/*.test.ts'],
  },
});
