import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import {
  certificateSource,
  createV3Verifier,
  decryptResource,
  encryptResource,
  parseV3Notification,
  signWechatpayMessage,
  v3NotifyAck,
} from '../src/v3/index.js';
import type { EncryptedResource, V3Notification } from '../src/v3/index.js';
import { merchant, platformA } from './support/v3-keys.js';

const verifier = createV3Verifier({ keys: certificateSource([platformA.certPem]) });
const options = { verifier, apiV3Key: merchant.apiV3Key };

const paid = {
  mchid: merchant.mchId,
  appid: merchant.appId,
  out_trade_no: 'FEN20261201000001',
  transaction_id: '4200000001202612010000000001',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  amount: { total: 1990, payer_total: 1990, currency: 'CNY', payer_currency: 'CNY' },
};

/** A notification as WeChat sends it: envelope with an encrypted resource, signed headers. */
function notification(
  resource: Partial<EncryptedResource> & Record<string, unknown>,
  envelope: Record<string, unknown> = {},
) {
  const body = JSON.stringify({
    id: 'EV-2026120100000001',
    create_time: '2026-12-01T10:34:56+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: { original_type: 'transaction', ...resource },
    ...envelope,
  });
  return {
    body,
    headers: signWechatpayMessage({
      body,
      privateKey: platformA.privateKey,
      serial: platformA.serial,
    }),
  };
}

const encrypted = (plain: string, key = merchant.apiV3Key) =>
  encryptResource(plain, key, { associatedData: 'transaction' });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'DID_NOT_THROW';
  } catch (err) {
    return isWxPayError(err) ? err.code : `NOT_WXPAY: ${String(err)}`;
  }
}

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
});

describe('parseV3Notification', () => {
  it('when WeChat POSTs a signed payment notification over HTTP, then the handler gets the decrypted transaction and acks 204', async () => {
    const received: V3Notification[] = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        parseV3Notification({ headers: req.headers, body: Buffer.concat(chunks) }, options)
          .then((n) => {
            received.push(n);
            return true;
          })
          .catch(() => false)
          .then((ok) => {
            const ack = v3NotifyAck(ok);
            res
              .writeHead(ack.status, ack.body ? { 'content-type': 'application/json' } : {})
              .end(ack.body);
          });
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wxpay/v3/notify`;

    const good = notification(encrypted(JSON.stringify(paid)));
    const ok = await request(url, { method: 'POST', headers: good.headers, body: good.body });
    await ok.body.dump();
    expect(ok.statusCode).toBe(204);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      event_type: 'TRANSACTION.SUCCESS',
      original_type: 'transaction',
      resource: paid,
    });

    const forged = await request(url, {
      method: 'POST',
      headers: good.headers,
      body: good.body.replace('支付成功', '支付失败'),
    });
    expect(forged.statusCode).toBe(500);
    expect(await forged.body.json()).toEqual({ code: 'FAIL', message: '失败' });
    expect(received).toHaveLength(1);
  });

  it('when associated_data is empty (as in the doc samples), then the resource still decrypts', async () => {
    const n = notification(encryptResource(JSON.stringify(paid), merchant.apiV3Key));
    await expect(parseV3Notification(n, options)).resolves.toMatchObject({ resource: paid });
  });

  it('when the resource was encrypted with another APIv3 key, then the error says to check the APIv3 key', async () => {
    const n = notification(encrypted(JSON.stringify(paid), 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ'));
    const err = await parseV3Notification(n, options).catch((e: unknown) => e);
    expect(isWxPayError(err, 'V3_DECRYPT_FAILED')).toBe(true);
    expect(String(err)).toContain('check the APIv3 key first (not the APIv2 key)');
  });

  it('when the APIv3 key is not 32 bytes, then it is a config error naming the length', async () => {
    const n = notification(encrypted(JSON.stringify(paid)));
    const err = await parseV3Notification(n, { verifier, apiV3Key: 'testAPIv3Key0000' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'config', code: 'V3_KEY_LENGTH' });
    expect(String(err)).toContain('got 16 bytes');
    expect(String(err)).not.toContain('testAPIv3Key0000');
  });

  it('when the resource is malformed, then each problem is its own error', async () => {
    const good = encrypted(JSON.stringify(paid));
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, algorithm: 'AEAD_SM4_GCM' }, 'V3_RESOURCE_INVALID'],
      [{ ...good, ciphertext: 'not base64!' }, 'V3_RESOURCE_INVALID'],
      [{ ...good, ciphertext: 'AAAA' }, 'V3_RESOURCE_INVALID'],
      [{ ...good, nonce: '' }, 'V3_RESOURCE_INVALID'],
      [{ ...good, nonce: 'otherNonce12' }, 'V3_DECRYPT_FAILED'],
      [{ ...good, associated_data: 'refund' }, 'V3_DECRYPT_FAILED'],
    ];
    for (const [resource, code] of cases) {
      expect(
        await codeOf(parseV3Notification(notification(resource), options)),
        JSON.stringify(resource).slice(0, 60),
      ).toBe(code);
    }
  });

  it('when the signed body is not a notification, then it is malformed; when unsigned, the signature fails first', async () => {
    const body = 'not json';
    const headers = signWechatpayMessage({
      body,
      privateKey: platformA.privateKey,
      serial: platformA.serial,
    });
    expect(await codeOf(parseV3Notification({ headers, body }, options))).toBe(
      'V3_NOTIFY_MALFORMED',
    );
    expect(
      await codeOf(parseV3Notification(notification({}, { resource: undefined }), options)),
    ).toBe('V3_NOTIFY_MALFORMED');
    expect(await codeOf(parseV3Notification(notification(encrypted('plain text')), options))).toBe(
      'V3_NOTIFY_MALFORMED',
    );
    expect(await codeOf(parseV3Notification({ headers: {}, body }, options))).toBe(
      'V3_SIGNATURE_HEADERS_INVALID',
    );
  });
});

describe('encryptResource', () => {
  it('when no nonce is given, then a fresh 12-character one is used and the resource round-trips', () => {
    const one = encryptResource('{"a":1}', merchant.apiV3Key, { associatedData: 'refund' });
    const two = encryptResource('{"a":1}', merchant.apiV3Key, { associatedData: 'refund' });
    expect(one.nonce).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(one.nonce).not.toBe(two.nonce);
    expect(one).toMatchObject({ algorithm: 'AEAD_AES_256_GCM', associated_data: 'refund' });
    expect(decryptResource(one, merchant.apiV3Key)).toBe('{"a":1}');
  });

  it('when the key is not 32 bytes, then nothing is encrypted', () => {
    expect(() => encryptResource('x', 'short')).toThrow(/32 bytes/);
  });
});
