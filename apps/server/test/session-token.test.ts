import { describe, expect, it } from 'vitest';
import { issueSessionToken, verifySessionToken } from '../src/services/session-token.js';

const secret = 's'.repeat(32);

describe('session tokens', () => {
  it('when a token is genuine and unexpired, then its claims come back', () => {
    const token = issueSessionToken({ userId: 'u1', exp: 2_000 }, secret);
    expect(verifySessionToken(token, secret, 1_999)).toEqual({ userId: 'u1', exp: 2_000 });
  });

  it('when a token has expired, then it is refused', () => {
    const token = issueSessionToken({ userId: 'u1', exp: 2_000 }, secret);
    expect(verifySessionToken(token, secret, 2_000)).toBeUndefined();
  });

  it('when the payload is altered or the secret differs, then it is refused', () => {
    const token = issueSessionToken({ userId: 'u1', exp: 2_000 }, secret);
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ sub: 'u2', exp: 2_000 })).toString('base64url')}.${signature}`;
    expect(verifySessionToken(forged, secret, 1)).toBeUndefined();
    expect(verifySessionToken(token, 't'.repeat(32), 1)).toBeUndefined();
    expect(verifySessionToken('garbage', secret, 1)).toBeUndefined();
    expect(verifySessionToken(`${token}.extra`, secret, 1)).toBeUndefined();
  });
});
