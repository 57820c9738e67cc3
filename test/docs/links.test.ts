import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isRelative,
  linkedPath,
  markdownFiles,
  markdownLinks,
  readText,
} from './markdown-links.js';

const repoRoot = join(import.meta.dirname, '../..');

/** Every relative link of every Markdown file, with the path it resolves to in the repo. */
const links = markdownFiles(repoRoot).flatMap((file) =>
  markdownLinks(readText(repoRoot, file))
    .filter(({ target }) => isRelative(target))
    .map(({ target, line }) => {
      const path = linkedPath(target);
      const resolved = path.startsWith('/')
        ? join(repoRoot, path)
        : join(repoRoot, dirname(file), path);
      return { where: `${file}:${line} → ${target}`, resolved: relative(repoRoot, resolved) };
    }),
);

describe('the Markdown docs', () => {
  it('when the docs are read, then they have links to check (the scan works)', () => {
    expect(markdownFiles(repoRoot)).toContain('README.md');
    expect(links.length).toBeGreaterThan(20);
  });

  it('when a doc links a file, then the file is inside the repository', () => {
    const outside = links.filter(
      ({ resolved }) => resolved === '..' || resolved.startsWith(`..${sep}`),
    );
    expect(outside.map(({ where }) => where)).toEqual([]);
  });

  it('when a doc links a file, then the file exists', () => {
    const missing = links.filter(({ resolved }) => !existsSync(join(repoRoot, resolved)));
    expect(missing.map(({ where }) => where)).toEqual([]);
  });

  it('when a doc names a path into the reference folder beside the repository, then that is a mistake: the repository stands alone', () => {
    const naming = markdownFiles(repoRoot).flatMap((file) =>
      readText(repoRoot, file)
        .split('\n')
        .flatMap((line, index) =>
          /(\.\.\/)+shared\/\w/.test(line) ? [`${file}:${index + 1}`] : [],
        ),
    );
    expect(naming).toEqual([]);
  });
});
