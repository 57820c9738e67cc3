import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import * as demo from '@fen/demo';
import { describe, expect, it } from 'vitest';
import {
  PUBLISHED_PUBLIC_KEY_HASHES,
  isHashOfPublishedSecret,
  isPublishedSecret,
} from '../../src/production/published-secrets.js';

const repoRoot = join(import.meta.dirname, '../../../..');
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** Every string under a property named like a secret, anywhere in `value`. */
function secretsIn(value: unknown, name = ''): Array<[where: string, secret: string]> {
  if (typeof value === 'string') return /key|secret|token/i.test(name) ? [[name, value]] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    secretsIn(inner, name ? `${name}.${key}` : key),
  );
}

/** `KEY=value` lines of an env file, commented-out alternatives (`# KEY=value`) included. */
function envFileEntries(text: string): Record<string, string | undefined> {
  return {
    ...parseEnv(
      text
        .split('\n')
        .filter((line) => /^#\s*[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => line.replace(/^#\s*/, ''))
        .join('\n'),
    ),
    ...parseEnv(text),
  };
}

describe('the secrets production refuses are every secret Fen publishes', () => {
  it('when @fen/demo publishes a key, secret or token, then production refuses it', () => {
    const found = secretsIn(demo);
    // The demo merchant's keys, the three apps' AppSecrets, the server's session secret and token.
    expect(found.length).toBeGreaterThanOrEqual(7);
    for (const [where, secret] of found) expect(isPublishedSecret(secret), where).toBe(true);
  });

  it('when apps/server/.env.example sets a secret (commented-out lines too), then production refuses it', () => {
    const entries = Object.entries(envFileEntries(read('apps/server/.env.example'))).filter(
      ([key]) => /(SECRET|_KEY|TOKENS?)$/.test(key),
    );
    expect(entries.map(([key]) => key)).toEqual(
      expect.arrayContaining(['WX_APPSECRET', 'WXPAY_KEY', 'SESSION_SECRET', 'ADMIN_TOKEN']),
    );
    for (const [key, value = ''] of entries) {
      if (key === 'ADMIN_TOKENS') {
        // name:sha256hex pairs: each hash must be of a published token.
        for (const pair of value.split(',')) {
          expect(isHashOfPublishedSecret(pair.split(':')[1] ?? ''), key).toBe(true);
        }
      } else {
        expect(isPublishedSecret(value), key).toBe(true);
      }
    }
  });

  it("when the sandbox plays the demo merchant, then its defaults are @fen/demo's, and its source holds no other key", () => {
    const options = read('apps/wx-sandbox/src/options.ts');
    expect(options).toMatch(/options\.merchants \?\? \[DEMO_MERCHANT/);
    expect(options).toMatch(/options\.apps \?\? \[DEMO_APP, DEMO_OA_APP, DEMO_MOBILE_APP\]/);
    const sourceDir = join(repoRoot, 'apps/wx-sandbox/src');
    const files = readdirSync(sourceDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const file of files) {
      const text = readFileSync(join(sourceDir, file), 'utf8');
      // A 32-character key written into the sandbox would be a published one.
      for (const [, literal] of text.matchAll(/['"`]([0-9A-Za-z]{32})['"`]/g)) {
        expect(isPublishedSecret(literal!), `${file}: ${literal}`).toBe(true);
      }
    }
  });

  it('when docs/sandbox.md lists a demo key or AppSecret, then production refuses it', () => {
    const rows = read('docs/sandbox.md')
      .split('\n')
      .filter((line) => /^\|.*(AppSecret|key)\b/i.test(line) && !/serial|public key/i.test(line));
    const values = rows.flatMap((row) =>
      [...row.matchAll(/`([0-9A-Za-z-]{16,})`/g)]
        .map((m) => m[1]!)
        .filter((v) => !v.startsWith('wx') && !v.includes('/')),
    );
    expect(values.length).toBeGreaterThanOrEqual(5);
    for (const value of values) expect(isPublishedSecret(value), value).toBe(true);
  });

  it('when a private key is in apps/wx-sandbox/certs, then a certificate carrying its public key is refused', () => {
    const dir = join(repoRoot, 'apps/wx-sandbox/certs');
    const keys = readdirSync(dir)
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')] as const)
      .filter(([, text]) => text.includes('PRIVATE KEY'));
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const [name, pem] of keys) {
      const spki = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
      const hash = createHash('sha256').update(spki).digest('hex');
      expect(PUBLISHED_PUBLIC_KEY_HASHES, name).toContain(hash);
    }
  });
});
