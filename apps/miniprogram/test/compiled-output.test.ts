import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIPROGRAM_ROOT, sourceFiles } from './support/app.js';

// What DevTools opens: the compiled JS next to each .ts, the page files, project.config.json.
const APP_ROOT = resolve(MINIPROGRAM_ROOT, '..');
const sources = [...sourceFiles(MINIPROGRAM_ROOT)];
const compiled = sources.map((source) => source.replace(/\.ts$/, '.js'));
const readJson = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('the compiled mini-program', () => {
  it('when compiled, then every .ts has its CommonJS .js beside it', () => {
    expect(sources.length).toBeGreaterThan(15);
    for (const file of compiled) expect(existsSync(file), relative(APP_ROOT, file)).toBe(true);
  });

  it('when compiled, then no JS requires @fen/contracts or anything outside the mini-program', () => {
    for (const file of compiled) {
      const code = readFileSync(file, 'utf8');
      expect(code, relative(APP_ROOT, file)).not.toMatch(/@fen\//);
      expect(code).not.toMatch(/\bimport\s*[{*(]|\bexport\s+(const|function|\{)/);
      for (const [, target] of code.matchAll(/require\("([^"]+)"\)/g)) {
        expect(target, `${relative(APP_ROOT, file)} requires ${target}`).toMatch(/^\.\.?\//);
        const path = resolve(dirname(file), `${target}.js`);
        expect(relative(MINIPROGRAM_ROOT, path)).not.toMatch(/^\.\./);
        expect(existsSync(path), `${target} from ${relative(APP_ROOT, file)}`).toBe(true);
      }
    }
  });

  it('when a source uses @fen/contracts, then only through `import type`', () => {
    const users = sources.filter((file) => readFileSync(file, 'utf8').includes('@fen/contracts'));
    expect(users.length).toBeGreaterThan(5);
    for (const file of users) {
      const imports = [
        ...readFileSync(file, 'utf8').matchAll(/^import\s[^;]*?from '@fen\/contracts'/gms),
      ];
      expect(imports.length, relative(APP_ROOT, file)).toBeGreaterThan(0);
      for (const [statement] of imports) {
        expect(statement, relative(APP_ROOT, file)).toMatch(/^import type \{/);
      }
    }
  });

  it('when the JS is compiled, then its syntax is ES2018 at most (no ?. ?? or class fields)', () => {
    for (const file of compiled) {
      const code = readFileSync(file, 'utf8');
      expect(code, relative(APP_ROOT, file)).not.toMatch(/\?\.[\w[(]|\?\?|#\w+\s*[=;]/);
    }
  });
});

describe('what DevTools opens', () => {
  const project = readJson(join(APP_ROOT, 'project.config.json'));
  const appJson = readJson(join(MINIPROGRAM_ROOT, 'app.json')) as {
    pages: string[];
    tabBar: { list: Array<{ pagePath: string }> };
  };

  it('when opened, then project.config.json points at the compiled root with a tourist appid and no domain check', () => {
    expect(project).toMatchObject({
      appid: 'touristappid',
      compileType: 'miniprogram',
      miniprogramRoot: 'miniprogram/',
      setting: { urlCheck: false },
    });
    expect(existsSync(join(APP_ROOT, String(project.miniprogramRoot), 'app.js'))).toBe(true);
  });

  it('when app.json lists a page, then its four files exist and its JSON declares usingComponents', () => {
    expect(appJson.pages).toHaveLength(4);
    for (const page of appJson.pages) {
      for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
        expect(existsSync(join(MINIPROGRAM_ROOT, page + ext)), page + ext).toBe(true);
      }
      expect(readJson(join(MINIPROGRAM_ROOT, `${page}.json`))).toHaveProperty('usingComponents');
      const uses = readJson(join(MINIPROGRAM_ROOT, `${page}.json`)).usingComponents as Record<
        string,
        string
      >;
      for (const path of Object.values(uses)) {
        expect(existsSync(join(MINIPROGRAM_ROOT, `${path}.js`)), path).toBe(true);
      }
    }
    for (const tab of appJson.tabBar.list) expect(appJson.pages).toContain(tab.pagePath);
  });

  it('when shipped, then the app holds no secret: neither the AppSecret nor the API key', () => {
    for (const file of [...compiled, join(MINIPROGRAM_ROOT, 'app.json')]) {
      const code = readFileSync(file, 'utf8');
      expect(code).not.toMatch(/5f2d7a9c1b3e4f60718293a4b5c6d7e8|fensandboxapikey/);
    }
  });
});
