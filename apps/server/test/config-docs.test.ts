import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultOf, settingsTable } from '../src/config-docs.js';
import { envSchema } from '../src/config-schema.js';

const repoRoot = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
type Setting = keyof typeof envSchema.shape;
const isSetting = (name: string): name is Setting => Object.hasOwn(envSchema.shape, name);

/** A table's rows with each cell trimmed, so re-padding (prettier) does not count as a change. */
const rows = (table: string) =>
  table
    .trim()
    .split('\n')
    .map((row) =>
      row
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
        .join('|'),
    );

describe('docs/configuration.md', () => {
  it('when the schema changes, then the settings table must be regenerated (pnpm docs:config)', () => {
    const text = read('docs/configuration.md');
    const table = /<!-- settings:start[^>]*-->([\s\S]*?)<!-- settings:end -->/.exec(text)?.[1];
    expect(table, 'the settings markers in docs/configuration.md').toBeDefined();
    expect(rows(table!)).toEqual(rows(settingsTable()));
  });

  it('when a setting is added, then it must say what it means', () => {
    const undescribed = Object.entries(envSchema.shape)
      .filter(([, schema]) => !schema.description?.trim())
      .map(([name]) => name);
    expect(undescribed).toEqual([]);
  });
});

describe('apps/server/.env.example against the schema', () => {
  const text = read('apps/server/.env.example');

  /** Each key set in the file, with the comment block just above it (a blank line ends one). */
  const entries: { name: string; value: string; comment: string }[] = [];
  let comment: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') comment = [];
    else if (line.startsWith('#')) {
      if (/^#\s*[A-Z][A-Z0-9_]*=/.test(line)) continue; // an alternative, switched off
      comment.push(line);
    } else {
      const [name, value] = Object.entries(parseEnv(line))[0] ?? [];
      if (name !== undefined)
        entries.push({ name, value: value ?? '', comment: comment.join('\n') });
    }
  }

  it('when the file names a key, then the server reads it', () => {
    const commentedOut = [...text.matchAll(/^#\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    const unknown = [...entries.map((e) => e.name), ...commentedOut].filter((n) => !isSetting(n));
    expect(unknown).toEqual([]);
  });

  it('when a value differs from the code default, then the comment above it says so and names the default', () => {
    const silent = entries.flatMap(({ name, value, comment }) => {
      if (!isSetting(name)) return [];
      const fallback = defaultOf(name);
      if ('required' in fallback) return [];
      const parsed = envSchema.shape[name].safeParse(value);
      if (parsed.success && parsed.data === fallback.value) return [];
      const named =
        fallback.value === undefined
          ? /default:? not set/i
          : new RegExp(
              `default[^\\n]*${String(fallback.value).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
              'i',
            );
      return named.test(comment) ? [] : [`${name}=${value} (default ${String(fallback.value)})`];
    });
    expect(silent).toEqual([]);
  });
});
