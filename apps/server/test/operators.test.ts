import { describe, expect, it } from 'vitest';
import { operatorFor, parseOperators, tokenSha256Hex } from '../src/http/operators.js';

// ADMIN_TOKENS (name:sha256hex, …) and ADMIN_TOKEN, as the configuration reads them.
const hash = tokenSha256Hex;

describe('ADMIN_TOKENS', () => {
  it('when operators are listed with their tokens’ hashes, then each token names its operator, and ADMIN_TOKEN is "admin"', () => {
    const { operators, problems } = parseOperators(
      `alice:${hash('alice-secret-token')},bob:${hash('bob-secret-token').toUpperCase()}`,
      'the-shared-admin-token',
    );
    expect(problems).toEqual([]);
    expect(operators.map((o) => o.name)).toEqual(['alice', 'bob', 'admin']);
    expect(operatorFor(operators, 'alice-secret-token')).toBe('alice');
    expect(operatorFor(operators, 'bob-secret-token')).toBe('bob');
    expect(operatorFor(operators, 'the-shared-admin-token')).toBe('admin');
    expect(operatorFor(operators, 'someone-else')).toBeUndefined();
    expect(operatorFor(operators, hash('alice-secret-token'))).toBeUndefined();
  });

  it('when an entry is malformed, a name repeats, a token is shared or nothing is set, then every problem is listed, no token echoed', () => {
    const { problems } = parseOperators(
      `alice:plain-token-pasted-here,:${hash('x')},bob:${hash('b')},bob:${hash('c')},carol:${hash('b')},admin:${hash('d')}`,
      'the-shared-admin-token',
    );
    expect(problems).toEqual([
      expect.stringContaining('entry 1 (alice)'),
      expect.stringContaining('entry 2: the name'),
      'ADMIN_TOKENS names "bob" twice',
      expect.stringContaining('names "admin", which ADMIN_TOKEN already is'),
      'two operators share one token: give each operator their own',
    ]);
    expect(problems.join('\n')).not.toContain('plain-token-pasted-here');
    expect(parseOperators(undefined, undefined).problems).toEqual([
      'ADMIN_TOKENS or ADMIN_TOKEN: no operator is set (ADMIN_TOKENS=name:sha256hex,…)',
    ]);
  });
});
