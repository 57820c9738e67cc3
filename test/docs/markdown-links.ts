import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Folders that hold no docs of ours: installs, builds, caches, results. */
const SKIPPED = new Set(['node_modules', 'dist', '.git', '.fen', 'bench-results', 'coverage']);

/** Every Markdown file of the repository, as paths relative to `root`. */
export function markdownFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(root, path);
    return entry.name.endsWith('.md') ? [relative(root, path)] : [];
  });
}

/** A link in a Markdown file: where it points, and the line it is on (1-based). */
export interface MarkdownLink {
  target: string;
  line: number;
}

/**
 * The links and images of a Markdown text (`[text](target)`, `![alt](target)`, `[ref]: target`),
 * outside fenced code blocks and inline code, where a link is only text.
 */
export function markdownLinks(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  let fenced = false;
  text.split('\n').forEach((raw, index) => {
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: match[1]!, line: index + 1 });
    }
    const definition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (definition) links.push({ target: definition[1]!, line: index + 1 });
  });
  return links;
}

/** A link to a file of the repository (not a web address, a mail address or an anchor alone). */
export function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#');
}

/** The file a relative link names: anchor and query dropped, %-escapes decoded. */
export function linkedPath(target: string): string {
  return decodeURIComponent(target.replace(/[#?].*$/, ''));
}

/** The text of a repository file. */
export function readText(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}
