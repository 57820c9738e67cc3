import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Package boundaries (issue 14 §5), enforced with `no-restricted-imports`. A workspace package
// imports another only by name, through the other's `exports`; test/lint-boundaries.test.ts
// checks that each rule still bites.

/** Every workspace package folder (pnpm-workspace.yaml): packages/*, apps/*, test, bench, scripts. */
const workspacePackages = [
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(group, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${group}/${entry.name}`),
  ),
  'test',
  'bench',
  'scripts',
];

const SOURCE = '{ts,mts,cts,js,mjs,cjs}';
/** Deep enough for every file in the repository (the deepest is 5 folders inside its package). */
const MAX_DEPTH = 10;

const deepImport = {
  group: ['@fen/*/src', '@fen/*/src/**', '@fen/*/dist', '@fen/*/dist/**'],
  message:
    'Import a workspace package by its name only (its package.json `exports`), never its src/ or dist/: the package decides what it offers, and a deep import breaks when its files move.',
};

/** `../` climbing out of a package from a file `depth` folders inside it. */
const leavesPackage = (depth) => ({
  regex: `^(\\.\\./){${depth + 1}}`,
  message:
    'This relative import leaves its workspace package. Import the other package by name (add it to package.json and, if needed, to its `exports`), so each package is built, tested and published on its own.',
});

const NO_NODE =
  'No Node built-ins here: this code runs in the WeChat mini-program (the contracts are read by it too), where Node does not exist.';
const nodeBuiltins = builtinModules
  .filter((name) => !name.startsWith('_'))
  .flatMap((name) => [name, `node:${name}`])
  .map((name) => ({ name, message: NO_NODE }));

const wxpayStandsAlone = {
  // Its own name is allowed: the examples import the package as its users do.
  group: ['@fen/*', '!@fen/wxpay'],
  message:
    '@fen/wxpay imports nothing of the repository: it is the WeChat wire protocol on its own, usable (and publishable) without Fen.',
};

/** The folder of a package whose code runs inside WeChat (its tests run in Node and may use it). */
const runsInWeChat = { 'packages/contracts': 'src', 'apps/miniprogram': 'miniprogram' };

/** The restrictions for a file `depth` folders inside package `pkg`. */
function restrictions(pkg, depth, inWeChat = false) {
  return {
    paths: inWeChat ? nodeBuiltins : [],
    patterns: [
      deepImport,
      leavesPackage(depth),
      ...(pkg === 'packages/wxpay' ? [wxpayStandsAlone] : []),
    ],
  };
}

const files = (folder, depth) => [`${folder}/${'*/'.repeat(depth)}*.${SOURCE}`];

/**
 * One config per package and depth, then per depth of the folders that run in WeChat: a later
 * config replaces the rule's options (never merges), so each carries all that applies.
 */
const boundaries = [
  ...workspacePackages.flatMap((pkg) =>
    Array.from({ length: MAX_DEPTH }, (_, depth) => ({
      files: files(pkg, depth),
      rules: { 'no-restricted-imports': ['error', restrictions(pkg, depth)] },
    })),
  ),
  ...Object.entries(runsInWeChat).flatMap(([pkg, folder]) =>
    Array.from({ length: MAX_DEPTH - 1 }, (_, depth) => ({
      files: files(`${pkg}/${folder}`, depth),
      rules: { 'no-restricted-imports': ['error', restrictions(pkg, depth + 1, true)] },
    })),
  ),
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.fen/**',
      'apps/miniprogram/miniprogram/**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...boundaries,
);
