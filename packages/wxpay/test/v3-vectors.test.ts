import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import {
  buildV3MiniProgramPayParams,
  certificateSource,
  createRequestSigner,
  createV3Verifier,
  decryptResource,
  encryptResource,
  formatAuthorization,
  parsePlatformCertificate,
  parseV3Notification,
  replySignatureMessage,
  requestSignatureMessage,
  rsaSign,
  rsaVerify,
  v3PaySignMessage,
} from '../src/v3/index.js';
import { allV3VectorIds, v3Vectors, vectorPem } from './support/v3-keys.js';

const KINDS = [
  'v3_rsa_sign',
  'v3_authorization_format',
  'v3_authorization',
  'v3_notify',
  'v3_response_verify',
  'v3_jsapi_paysign',
  'aead_aes_gcm_decrypt',
  'aead_aes_gcm_encrypt',
];

/** The error code `fn` throws, or a marker when it does not throw. */
async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'DID_NOT_THROW';
  } catch (err) {
    return isWxPayError(err) ? err.code : `NOT_WXPAY: ${String(err)}`;
  }
}

const publicKeyOf = (certName: string) => new X509Certificate(vectorPem(certName)).publicKey;

describe('the published APIv3 vectors', () => {
  it('when the vectors are listed, then every v3 vector is of a kind tested here', () => {
    const tested = new Set(KINDS.flatMap((kind) => v3Vectors(kind).map((v) => v.id)));
    expect(allV3VectorIds().filter((id) => !tested.has(id))).toEqual([]);
    expect(tested.size).toBe(17);
  });
});

describe('v3_rsa_sign', () => {
  for (const v of v3Vectors('v3_rsa_sign')) {
    it(`when ${v.id} is signed, then the signature is the published one`, () => {
      const key = createPrivateKey(vectorPem(v.input.private_key as string));
      if (v.input.method !== undefined) {
        const { method, url, timestamp, nonce_str, body } = v.input;
        expect(requestSignatureMessage(method, url!, timestamp!, nonce_str!, body!)).toBe(
          v.input.message,
        );
      }
      expect(rsaSign(v.input.message as string, key)).toBe(v.expected.signature);
      if (v.input.certificate !== undefined) {
        const pub = publicKeyOf(v.input.certificate);
        expect(rsaVerify(v.input.message as string, v.expected.signature as string, pub)).toBe(
          true,
        );
        expect(rsaVerify('wrong source', v.expected.signature as string, pub)).toBe(
          v.expected.verify_wrong_message,
        );
      }
    });
  }
});

describe('v3_authorization_format', () => {
  for (const v of v3Vectors('v3_authorization_format')) {
    it(`when ${v.id} is formatted, then header and message are the published ones`, () => {
      const { schema, mchid, serial_no, nonce_str, timestamp, method, url, body } = v.input;
      const message = requestSignatureMessage(method!, url!, timestamp!, nonce_str!, body!);
      expect(message).toBe(v.expected.message);
      const header = formatAuthorization(
        {
          mchid: mchid!,
          nonce_str: nonce_str!,
          timestamp: timestamp!,
          serial_no: serial_no!,
          signature: `Sign:${message}`,
        },
        schema,
      );
      expect(header).toBe(v.expected.authorization);
    });
  }
});

describe('v3_authorization', () => {
  for (const v of v3Vectors('v3_authorization')) {
    it(`when ${v.id} is signed, then message, signature and Authorization are the published ones`, () => {
      const signer = createRequestSigner({
        mchId: v.input.mchid!,
        serialNo: v.input.serial_no!,
        privateKey: createPrivateKey(vectorPem(v.input.private_key!)),
      });
      const signed = signer.sign({
        method: v.input.method!,
        url: v.input.url!,
        body: v.input.body!,
        timestamp: v.input.timestamp!,
        nonceStr: v.input.nonce_str!,
      });
      expect(signed.message).toBe(v.expected.message);
      expect(signed.signature).toBe(v.expected.signature);
      expect(signed.authorization).toBe(v.expected.authorization);
    });
  }
});

describe('v3_jsapi_paysign', () => {
  for (const v of v3Vectors('v3_jsapi_paysign')) {
    it(`when ${v.id} is built, then paySign is the published one`, () => {
      const params = buildV3MiniProgramPayParams({
        appId: v.input.appId!,
        prepayId: v.input.package!.replace(/^prepay_id=/, ''),
        privateKey: vectorPem(v.input.private_key!),
        timeStamp: v.input.timeStamp!,
        nonceStr: v.input.nonceStr!,
      });
      expect(
        v3PaySignMessage(v.input.appId!, params.timeStamp, params.nonceStr, params.package),
      ).toBe(v.expected.message);
      expect(params).toEqual({
        timeStamp: v.input.timeStamp,
        nonceStr: v.input.nonceStr,
        package: v.input.package,
        signType: 'RSA',
        paySign: v.expected.paySign,
      });
    });
  }
});

describe('v3_notify', () => {
  for (const v of v3Vectors('v3_notify')) {
    const headers = v.input.headers!;
    const now = () => Number(v.input.now_unix) * 1000;
    // The derived vectors are dated 2018 but signed with a certificate valid from 2021: the
    // certificate's validity is checked against today, the timestamp window against the vector.
    const keys = certificateSource([vectorPem(v.input.certificate!)], Date.now);
    const verifier = createV3Verifier({ keys, now });
    const key = v.input.apiv3_key!;

    it(`when ${v.id} arrives, then its signature verifies over the published message`, async () => {
      expect(
        replySignatureMessage(
          headers['Wechatpay-Timestamp']!,
          headers['Wechatpay-Nonce']!,
          v.input.body!,
        ).toString('utf8'),
      ).toBe(v.expected.message);
      await expect(verifier.verify({ headers, body: v.input.body! })).resolves.toMatchObject({
        serial: headers['Wechatpay-Serial'],
      });
    });

    if (Buffer.byteLength(key) === 32) {
      it(`when ${v.id} is parsed, then the resource decrypts to the published plaintext`, async () => {
        const n = await parseV3Notification(
          { headers, body: v.input.body! },
          { verifier, apiV3Key: key },
        );
        expect(n.plaintext).toBe(v.expected.plaintext);
        expect(n.resource).toEqual(JSON.parse(v.expected.plaintext as string));
      });
    } else {
      it(`when ${v.id} (a ${Buffer.byteLength(key)}-byte "APIv3 key") is parsed, then the key length is refused`, async () => {
        expect(
          await codeOf(() =>
            parseV3Notification({ headers, body: v.input.body! }, { verifier, apiV3Key: key }),
          ),
        ).toBe('V3_KEY_LENGTH');
      });
    }
  }
});

describe('v3_response_verify', () => {
  for (const v of v3Vectors('v3_response_verify')) {
    const headers = v.input.headers!;
    const message = replySignatureMessage(
      headers['Wechatpay-Timestamp']!,
      headers['Wechatpay-Nonce']!,
      v.input.body!,
    );

    it(`when ${v.id} is checked, then it verifies with the published certificate only`, () => {
      expect(message.toString('utf8')).toBe(v.expected.message);
      const signature = headers['Wechatpay-Signature']!;
      expect(rsaVerify(message, signature, publicKeyOf(v.input.certificate!))).toBe(
        v.expected.valid,
      );
      expect(rsaVerify(message, signature, publicKeyOf('yansongda_wechatPublicKey_45F59D'))).toBe(
        v.expected.valid_with_yansongda_wechatPublicKey_45F59D,
      );
    });

    it(`when ${v.id} is checked against the certificate its serial names, then the signature is refused`, async () => {
      const now = () => Number(headers['Wechatpay-Timestamp']) * 1000;
      const verifier = createV3Verifier({
        keys: certificateSource([vectorPem('yansongda_wechatPublicKey_45F59D')], now),
        now,
      });
      expect(await codeOf(() => verifier.verify({ headers, body: v.input.body! }))).toBe(
        'V3_SIGNATURE_INVALID',
      );
    });
  }
});

describe('aead_aes_gcm_decrypt', () => {
  for (const v of v3Vectors('aead_aes_gcm_decrypt')) {
    const resource = {
      ciphertext: v.input.ciphertext!,
      nonce: v.input.nonce!,
      associated_data: v.input.associated_data!,
    };
    if (Buffer.byteLength(v.input.key!) !== 32) {
      it(`when ${v.id} (a ${Buffer.byteLength(v.input.key!)}-byte key) is decrypted, then the key length is refused`, async () => {
        expect(await codeOf(() => decryptResource(resource, v.input.key!))).toBe('V3_KEY_LENGTH');
      });
      continue;
    }
    it(`when ${v.id} is decrypted, then it gives the published plaintext`, () => {
      const plain = decryptResource(resource, v.input.key!);
      if (v.expected.plaintext_sha256 !== undefined) {
        expect(createHash('sha256').update(plain).digest('hex')).toBe(v.expected.plaintext_sha256);
        expect(parsePlatformCertificate(plain).serial).toBe(v.expected.certificate_serial);
      } else {
        expect(plain).toBe(v.expected.plaintext);
      }
    });
    it(`when ${v.id} is decrypted with other associated_data, then authentication fails`, async () => {
      const tampered = { ...resource, associated_data: `${resource.associated_data}x` };
      expect(await codeOf(() => decryptResource(tampered, v.input.key!))).toBe('V3_DECRYPT_FAILED');
    });
  }
});

describe('aead_aes_gcm_encrypt', () => {
  for (const v of v3Vectors('aead_aes_gcm_encrypt')) {
    it(`when ${v.id} is encrypted, then it gives the published ciphertext and decrypts back`, () => {
      const options = { nonce: v.input.nonce!, associatedData: v.input.associated_data! };
      const resource = encryptResource(v.input.plaintext!, v.input.key!, options);
      expect(resource.ciphertext).toBe(v.expected.ciphertext);
      expect(decryptResource(resource, v.input.key!)).toBe(v.input.plaintext);
    });
  }
});
