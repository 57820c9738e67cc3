import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import {
  certificateSource,
  createV3Verifier,
  firstKeySource,
  publicKeySource,
  signWechatpayMessage,
} from '../src/v3/index.js';
import type { V3KeySource } from '../src/v3/index.js';
import { platformA, platformB } from './support/v3-keys.js';

const NOW_S = 1_764_547_200; // 2025-12-01T00:00:00Z, inside platform A's validity
const now = () => NOW_S * 1000;
const body = '{"prepay_id":"wx201410272009395522657a690389285100","note":"支付成功"}';
const signedHeaders = (
  overrides: { timestamp?: string; serial?: string; key?: typeof platformA } = {},
) =>
  signWechatpayMessage({
    body,
    privateKey: (overrides.key ?? platformA).privateKey,
    serial: overrides.serial ?? platformA.serial,
    timestamp: overrides.timestamp ?? String(NOW_S),
    nonce: 'e59e78a6c3f7dfd7e84aabee71be0452',
  });
const verifier = createV3Verifier({ keys: certificateSource([platformA.certPem], now), now });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'DID_NOT_THROW';
  } catch (err) {
    return isWxPayError(err) ? err.code : `NOT_WXPAY: ${String(err)}`;
  }
}

describe('createV3Verifier', () => {
  it('when a reply is signed by the named certificate, then it verifies from a record, lowercase headers, a Headers object or a Buffer body', async () => {
    const headers = signedHeaders();
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    await expect(verifier.verify({ headers, body })).resolves.toMatchObject({
      serial: platformA.serial,
    });
    await expect(
      verifier.verify({ headers: lower, body: Buffer.from(body) }),
    ).resolves.toBeDefined();
    await expect(verifier.verify({ headers: new Headers(headers), body })).resolves.toBeDefined();
  });

  for (const name of [
    'Wechatpay-Timestamp',
    'Wechatpay-Nonce',
    'Wechatpay-Signature',
    'Wechatpay-Serial',
  ]) {
    it(`when ${name} is missing, then the error names it`, async () => {
      const headers: Record<string, string> = { ...signedHeaders() };
      delete headers[name];
      const err = await verifier.verify({ headers, body }).catch((e: unknown) => e);
      expect(isWxPayError(err, 'V3_SIGNATURE_HEADERS_INVALID')).toBe(true);
      expect(String(err)).toContain(name);
    });
  }

  it('when the timestamp is not seconds or the signature type is another, then the headers are refused', async () => {
    expect(
      await codeOf(
        verifier.verify({
          headers: { ...signedHeaders(), 'Wechatpay-Timestamp': '2025-12-01' },
          body,
        }),
      ),
    ).toBe('V3_SIGNATURE_HEADERS_INVALID');
    expect(
      await codeOf(
        verifier.verify({
          headers: { ...signedHeaders(), 'Wechatpay-Signature-Type': 'WECHATPAY2-SM2-WITH-SM3' },
          body,
        }),
      ),
    ).toBe('V3_SIGNATURE_HEADERS_INVALID');
  });

  it('when the timestamp is 300 s away either way, then it is stale; at 299 s it is accepted', async () => {
    expect(
      await codeOf(
        verifier.verify({ headers: signedHeaders({ timestamp: String(NOW_S - 300) }), body }),
      ),
    ).toBe('V3_TIMESTAMP_STALE');
    expect(
      await codeOf(
        verifier.verify({ headers: signedHeaders({ timestamp: String(NOW_S + 300) }), body }),
      ),
    ).toBe('V3_TIMESTAMP_STALE');
    await expect(
      verifier.verify({ headers: signedHeaders({ timestamp: String(NOW_S - 299) }), body }),
    ).resolves.toBeDefined();
  });

  it('when a stale message names an unknown serial, then no key is looked up (no download for replays)', async () => {
    let lookups = 0;
    const counting: V3KeySource = {
      resolve: async () => {
        lookups += 1;
        return undefined;
      },
    };
    const v = createV3Verifier({ keys: counting, now });
    expect(
      await codeOf(
        v.verify({
          headers: signedHeaders({ timestamp: String(NOW_S - 3600), serial: 'ABCDEF' }),
          body,
        }),
      ),
    ).toBe('V3_TIMESTAMP_STALE');
    expect(lookups).toBe(0);
  });

  it('when the serial is unknown, then the error names it', async () => {
    const err = await verifier
      .verify({ headers: signedHeaders({ serial: platformB.serial, key: platformB }), body })
      .catch((e: unknown) => e);
    expect(isWxPayError(err, 'V3_SERIAL_UNKNOWN')).toBe(true);
    expect(String(err)).toContain(platformB.serial);
  });

  it('when the body, the signature or the signer is wrong, then the signature is refused', async () => {
    const headers = signedHeaders();
    expect(
      await codeOf(verifier.verify({ headers, body: body.replace('支付成功', '支付失败') })),
    ).toBe('V3_SIGNATURE_INVALID');
    expect(await codeOf(verifier.verify({ headers, body: `${body} ` }))).toBe(
      'V3_SIGNATURE_INVALID',
    );
    expect(
      await codeOf(
        verifier.verify({
          headers: { ...headers, 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/abc' },
          body,
        }),
      ),
    ).toBe('V3_SIGNATURE_INVALID');
    expect(
      await codeOf(verifier.verify({ headers: signedHeaders({ key: platformB }), body })),
    ).toBe('V3_SIGNATURE_INVALID');
  });
});

describe('key sources', () => {
  const publicKeyId = 'PUB_KEY_ID_0119000091912026120100000000000001';
  const pkSource = publicKeySource({
    publicKeyId,
    publicKey: createPublicKey(platformB.privateKey),
  });

  it('when a reply names the public key id, then it verifies in public-key mode', async () => {
    const v = createV3Verifier({ keys: pkSource, now });
    await expect(
      v.verify({ headers: signedHeaders({ serial: publicKeyId, key: platformB }), body }),
    ).resolves.toBeDefined();
    expect(await codeOf(v.verify({ headers: signedHeaders(), body }))).toBe('V3_SERIAL_UNKNOWN');
  });

  it('when both modes are configured, then replies signed in either verify', async () => {
    const v = createV3Verifier({
      keys: firstKeySource(pkSource, certificateSource([platformA.certPem], now)),
      now,
    });
    await expect(
      v.verify({ headers: signedHeaders({ serial: publicKeyId, key: platformB }), body }),
    ).resolves.toBeDefined();
    await expect(v.verify({ headers: signedHeaders(), body })).resolves.toBeDefined();
  });

  it('when the public key id or key is malformed, then it is a config error', () => {
    expect(() =>
      publicKeySource({
        publicKeyId: 'F5765756002FDD77',
        publicKey: createPublicKey(platformB.privateKey),
      }),
    ).toThrow(/PUB_KEY_ID_/);
    try {
      publicKeySource({ publicKeyId, publicKey: 'not a key' });
      expect.unreachable();
    } catch (err) {
      expect(isWxPayError(err, 'V3_PUBLIC_KEY_INVALID')).toBe(true);
    }
  });
});
