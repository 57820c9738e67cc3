import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package boundaries of eslint.config.js (issue 14 §5) must keep biting: each rule is run on
// a snippet that breaks it, at a path where it applies, and on one that keeps it.
const repoRoot = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: repoRoot });

/** The `no-restricted-imports` messages ESLint gives `code` as if it were the file `path`. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, path) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('package boundaries', { timeout: 60_000 }, () => {
  it('when a package imports another one by src/ or dist/, then lint refuses it', async () => {
    const errors = await boundaryErrors(
      'apps/server/src/deep.ts',
      "export { signV2 } from '@fen/wxpay/src/sign.js';\nexport { Fen } from '@fen/contracts/dist/index.js';\n",
    );
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toContain('never its src/ or dist/');
  });

  it('when a relative import leaves its package, then lint refuses it; inside the package it is fine', async () => {
    const path = 'apps/server/test/helpers/cross.ts';
    const errors = await boundaryErrors(path, "export * from '../../../../test/support/db.js';\n");
    expect(errors).toEqual([expect.stringContaining('leaves its workspace package')]);
    expect(await boundaryErrors(path, "export * from '../../src/config.js';\n")).toEqual([]);
    expect(
      await boundaryErrors('bench/lib/cross.mjs', "export * from '../../scripts/tcp.mjs';\n"),
    ).toEqual([expect.stringContaining('leaves its workspace package')]);
  });

  it('when the contracts or the mini-program import a Node built-in, then lint refuses it', async () => {
    const code =
      "import { readFileSync } from 'node:fs';\nimport path from 'path';\nexport { readFileSync, path };\n";
    for (const file of [
      'packages/contracts/src/io.ts',
      'apps/miniprogram/miniprogram/utils/io.ts',
    ]) {
      const errors = await boundaryErrors(file, code);
      expect(errors).toHaveLength(2);
      for (const error of errors) expect(error).toContain('No Node built-ins here');
    }
    // Their tests run in Node.
    expect(await boundaryErrors('apps/miniprogram/test/io.test.ts', code)).toEqual([]);
  });

  it('when @fen/wxpay imports anything of the repository, then lint refuses it', async () => {
    const errors = await boundaryErrors(
      'packages/wxpay/src/fen.ts',
      "export type { Fen } from '@fen/contracts';\n",
    );
    expect(errors).toEqual([
      expect.stringContaining('@fen/wxpay imports nothing of the repository'),
    ]);
  });
});
