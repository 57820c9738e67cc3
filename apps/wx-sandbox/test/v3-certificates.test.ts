import { X509Certificate, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MERCHANT, createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { cert, json } from './support/http.js';
import {
  decryptAesGcm,
  DEMO_V3,
  platformPublicKey,
  sandboxV3Calls,
  v3Call,
  wechatpaySignatureOk,
} from './support/v3-wire.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001 });
});
afterAll(() => sandbox.close());

const { get } = sandboxV3Calls(() => sandbox);
const certificates = () => get('/v3/certificates');
const query = () => get(`/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid=${DEMO_V3.mchId}`);

/** The certificates of a /v3/certificates reply, decrypted by the test itself. */
function opened(reply: Awaited<ReturnType<typeof certificates>>) {
  return (
    reply.json.data as {
      serial_no: string;
      encrypt_certificate: { ciphertext: string; nonce: string; associated_data: string };
    }[]
  ).map((entry) => {
    expect(entry.encrypt_certificate.associated_data).toBe('certificate');
    const x509 = new X509Certificate(decryptAesGcm(entry.encrypt_certificate));
    expect(x509.serialNumber).toBe(entry.serial_no);
    return { serial: entry.serial_no, publicKey: x509.publicKey };
  });
}

describe('GET /v3/certificates and rotation', () => {
  it('when downloaded, then it holds the committed platform certificate, encrypted with the APIv3 key and signed by it', async () => {
    const reply = await certificates();
    expect(reply.status).toBe(200);
    const [only, ...rest] = opened(reply);
    expect(rest).toEqual([]);
    expect(only!.serial).toBe(DEMO_V3.platformSerial);
    expect(reply.headers['wechatpay-serial']).toBe(DEMO_V3.platformSerial);
    expect(wechatpaySignatureOk(reply.headers, reply.body, platformPublicKey())).toBe(true);
    expect(reply.json.data[0].effective_time).toMatch(/\+08:00$/);
  });

  it('when the platform certificate is rotated immediately (the fault), then both serials are served during the overlap, the new one signs at once, and the old one retires after it', async () => {
    const rotated = await json(`${sandbox.url}/__sandbox/v3/rotate-platform-certificate`, {
      mode: 'immediate',
      overlapSeconds: 3600,
    });
    expect(rotated.status).toBe(200);
    const newSerial: string = rotated.body.serial_no;
    expect(newSerial).toMatch(/^[0-9A-F]{40}$/);
    expect(rotated.body.previous_serial_no).toBe(DEMO_V3.platformSerial);
    expect(rotated.body.signing_serial).toBe(newSerial);
    expect(JSON.stringify(rotated.body)).not.toContain('PRIVATE KEY');

    const reply = await certificates();
    const served = opened(reply);
    expect(served.map((c) => c.serial)).toEqual([DEMO_V3.platformSerial, newSerial]);
    const fresh = served[1]!.publicKey;
    expect(reply.headers['wechatpay-serial']).toBe(newSerial);
    expect(wechatpaySignatureOk(reply.headers, reply.body, fresh)).toBe(true);
    expect(wechatpaySignatureOk(reply.headers, reply.body, platformPublicKey())).toBe(false);

    const answer = await query();
    expect(answer.headers['wechatpay-serial']).toBe(newSerial);
    expect(wechatpaySignatureOk(answer.headers, answer.body, fresh)).toBe(true);

    sandbox.advanceClock(3601);
    expect(opened(await certificates()).map((c) => c.serial)).toEqual([newSerial]);
    const listed = await json(`${sandbox.url}/__sandbox/v3/platform-certificates`);
    expect(listed.body.certificates.map((c: { serial_no: string }) => c.serial_no)).toEqual([
      newSerial,
    ]);
  });

  it('when the overlap is invalid, then 400 INVALID_OVERLAP', async () => {
    const bad = await json(`${sandbox.url}/__sandbox/v3/rotate-platform-certificate`, {
      overlapSeconds: -1,
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_OVERLAP']);
  });
});

describe('public-key mode', () => {
  it('when the mode is public_key, then replies carry the PUB_KEY_ID serial and verify with the exposed public key, and the download stays certificate-signed', async () => {
    const exposed = await json(`${sandbox.url}/__sandbox/v3/public-key`);
    expect(exposed.body.public_key_id).toBe(DEMO_V3.publicKeyId);
    const publicKey = createPublicKey(exposed.body.public_key);
    // The same key as the committed certs/wechatpay_pub_key.pem.
    expect(publicKey.export({ type: 'spki', format: 'pem' })).toBe(
      createPublicKey(cert('wechatpay_pub_key.pem')).export({ type: 'spki', format: 'pem' }),
    );
    const set = await json(`${sandbox.url}/__sandbox/v3/mode`, { mode: 'public_key' }, 'PUT');
    expect(set.body).toEqual({ mode: 'public_key', signing_serial: DEMO_V3.publicKeyId });
    try {
      const answer = await query();
      expect(answer.status).toBe(404);
      expect(answer.headers['wechatpay-serial']).toBe(DEMO_V3.publicKeyId);
      expect(wechatpaySignatureOk(answer.headers, answer.body, publicKey)).toBe(true);
      const download = await certificates();
      expect(download.headers['wechatpay-serial']).not.toBe(DEMO_V3.publicKeyId);
      const served = opened(download);
      expect(wechatpaySignatureOk(download.headers, download.body, served.at(-1)!.publicKey)).toBe(
        true,
      );
    } finally {
      await json(`${sandbox.url}/__sandbox/v3/mode`, { mode: 'certificate' }, 'PUT');
    }
    expect((await query()).headers['wechatpay-serial']).not.toBe(DEMO_V3.publicKeyId);
    const bad = await json(`${sandbox.url}/__sandbox/v3/mode`, { mode: 'rsa' }, 'PUT');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_MODE']);
  });
});

describe('merchant APIv3 options', () => {
  it('when they are incomplete or malformed, then createSandbox names every problem', async () => {
    const base = { mchId: '1900000222', key: 'k'.repeat(32), appIds: ['wxfe00000000000001'] };
    await expect(createSandbox({ merchants: [{ ...base, apiV3Key: 'short' }] })).rejects.toThrow(
      /apiV3Key, merchantSerialNo and merchantPublicKey go together; merchant 1900000222: apiV3Key must be 32 bytes/,
    );
    await expect(
      createSandbox({
        merchants: [
          {
            ...base,
            apiV3Key: 'x'.repeat(32),
            merchantSerialNo: 'XYZ',
            merchantPublicKey: 'not a key',
          },
        ],
      }),
    ).rejects.toThrow(
      /merchantSerialNo must be the hex serial.*merchantPublicKey must be an RSA public key/,
    );
  });

  it('when the demo merchant is spread with changes, then its APIv3 settings and certificate still apply', async () => {
    const other = await createSandbox({
      merchants: [{ ...DEMO_MERCHANT, refundNotifyUrl: 'http://127.0.0.1:9/r' }],
    });
    try {
      const reply = await v3Call(other.url, 'GET', '/v3/certificates');
      expect(reply.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
