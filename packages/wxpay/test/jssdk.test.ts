import { describe, expect, it } from 'vitest';
import { jssdkSignature } from '../src/jssdk.js';
import { vectorsOfKind } from './support/vectors.js';

const vectors = vectorsOfKind('jssdk_signature');

describe('jssdkSignature', () => {
  it('when the published vectors are loaded, then there are some', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(3);
  });

  it.each(vectors.map((v) => [v.id, v] as const))(
    'when signing vector %s, then the signature matches',
    (_id, v) => {
      const signature = jssdkSignature({
        ticket: v.input.jsapi_ticket ?? '',
        nonceStr: v.input.noncestr ?? '',
        timestamp: v.input.timestamp ?? '',
        url: v.input.url ?? '',
      });
      expect(signature).toBe(v.expected.signature);
    },
  );

  it('when the URL has a #fragment, then it is dropped before signing', () => {
    const base = { ticket: 't', nonceStr: 'n', timestamp: 1414587457 };
    expect(jssdkSignature({ ...base, url: 'https://shop.example/p?a=1#/cart' })).toBe(
      jssdkSignature({ ...base, url: 'https://shop.example/p?a=1' }),
    );
  });
});
