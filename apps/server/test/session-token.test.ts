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

  it('when the signature is spelled another way (padding, other unused bits, stray characters), then it is refused', () => {
    const token = issueSessionToken({ userId: 'u1', exp: 2_000 }, secret);
    const [payload, signature] = token.split('.') as [string, string];
    // 32 bytes take 43 base64url characters: the last one's 2 low bits carry nothing, so
    // 3 other characters decode to the very same signature.
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const index = ALPHABET.indexOf(signature.at(-1)!);
    const sameBytes = [0, 1, 2, 3]
      .map((low) => ALPHABET[(index & ~3) | low]!)
      .filter((c) => c !== signature.at(-1));
    expect(sameBytes).toHaveLength(3);
    for (const c of sameBytes) {
      const decoded = Buffer.from(`${signature.slice(0, -1)}${c}`, 'base64url');
      expect(decoded.equals(Buffer.from(signature, 'base64url'))).toBe(true);
    }
    const spellings = [
      `${signature}=`,
      `${signature.slice(0, 10)}!${signature.slice(10)}`,
      ...sameBytes.map((c) => `${signature.slice(0, -1)}${c}`),
    ];
    for (const spelling of spellings) {
      expect(verifySessionToken(`${payload}.${spelling}`, secret, 1), spelling).toBeUndefined();
    }
    expect(verifySessionToken(token, secret, 1)).toEqual({ userId: 'u1', exp: 2_000 });
  });
});
