import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { cert } from './support/http.js';
import {
  DEMO_V3,
  decryptAesGcm,
  merchantKey,
  platformPublicKey,
  requestMessage,
  rsaSha256,
  v3Call,
  wechatpaySignatureOk,
} from './support/v3-wire.js';
import { vector, vectorKey } from './support/vectors.js';

// Fixed known answers for APIv3. They pin the test's own signer, verifier and AES-GCM (and
// through them every v3 signature the sandbox checks or makes): published vectors of
// fixtures/, and values for the committed demo keys computed with the openssl CLI
// (`printf '<message>' | openssl dgst -sha256 -sign <key.pem> | base64 -w0`) and with python's
// `cryptography` (AESGCM(key).encrypt(nonce, plaintext, aad)).

const KAT_TS = 1764620000; // 2025-12-01T20:13:20Z: the sandbox clock of the request KATs
const KAT_BODY =
  '{"appid":"wxfe00000000000001","mchid":"1900000109","description":"Fen KAT","out_trade_no":"KATV3NATIVE01","notify_url":"http://127.0.0.1:9/notify","amount":{"total":1990,"currency":"CNY"}}';
/** openssl over POST /v3/pay/transactions/native, KAT_TS, nonce …01, KAT_BODY, certs/apiclient_key.pem. */
const KAT_PREPAY_SIGNATURE =
  'WTjk+ABccVC33Z7/3vZ0Gnb+QrJB7kqI0T5y26pmzBPEVCiNnWdt3KDh3s3Im4TDXhjZFiA987cC50qmN7U27el740u0p1dYg8L93++5EdnFQSQkvqknWDLRkIs6fEjIOCYliwxka0n3fNdSMyFCohfAdL2QyOuLwEOglijfl3xibBPYC5ciMwEzuqEw2SQTDVSEF90YdnaXkxis9Z4WYV+6HmNEXsyxtYVxKmVdW0TRlvle5ErWZr4NWyzedHM4JuugFPRN++dt0iJ6LP1U8lfbF+1w76lKFbanU73IYw+xndoCsfBWTs8Lu17nV7KElaElYlsqhKUgrhXUTI+a1g==';
/** openssl over GET /v3/pay/transactions/out-trade-no/KATV3NATIVE01?mchid=1900000109, KAT_TS+1, nonce …02, empty body. */
const KAT_QUERY_SIGNATURE =
  'B6d3PRaZo+Ist6J3JBaKHY8wQGzp8o3hfZbLGO6ELpUz+GeOgD90zOrE3QVlz/GcMIX4Gqc+cbrhKhiPnvY0Nwq9qxYeVc39ZwqNAfLINH4R2buzCuBzRcZsQUkpE7ei9zXVS06AnUxe0FE6sPXYWbArYEy/3HH1FtklC11TJPTBKM4cxrSgPSlu4drq1akdQv/hOs14EVvN9SmNxcg0YhhbSdflCE9FQX8YbcszNBhL4QnSJundiEN613BOwrhv92Z5NKt+38bfH3x/hRTzF4gDUeMARDtL7tFtV77O3FPL6Ns2fMjhR35tkXN5p3+PsQTpsFJXxzJmaJsM7vMmUQ==';
/** openssl: `1764620000\nfenkatreplynonce…01\n{"code_url":"weixin://wxpay/bizpayurl?pr=KAT0001"}\n`, certs/wechatpay_platform_key.pem. */
const KAT_PLATFORM_SIGNATURE =
  'kDE2mt3xFTDeTiM4koAfW+9cC3CfWytv4LMsjpZs608tiVpuQ8v/2uyeXmv/gddmFG6i67BdxbAoxvdS7WY90Rq0/7ZTcNjaA3IEh4NupQ/CeJif1x/UTwSU6OFXZ2r9smW9LSWR8QmvIo212wuAAKP7OmLZeGQSACAW2HpnzwMhYoKyHecjUFuxDNy4rqSSKeiTalc4an7QswGAnodXUy/KENs0K2C1E2wSjjPAxHT0XIXNmlKjXP0dYDn4WlfGh9o66Ed81eX4Q93DAR38u/osZ54wUJaU7YBEuxWp/77OL1DcL2kz+5kdU4V+FUxpLGgnlhNcxi0Q1KxO81Hfdg==';
/** openssl: `1764620000\nfenkatreplynonce…02\n\n` (an empty 204 body), certs/wechatpay_pub_key_private.pem. */
const KAT_PUBLIC_KEY_SIGNATURE =
  'fUZr85pCYSV4rgD9YMmx99UhIlpER2LdjcmqntWrlXHO+DjR+mpBYqBNgxMJ7tTUdfTwE+ihX4bG4XNklEcTHE/oigmUHnFrZtFG+YqCW+3fzwhtsFk7RK1/Zn8OSFanpVirxSEZZvDlNWyUu7uSf6QI0rk4E3aHiAkg/q9DifuZllT+i9B9gqf2xIThVWQfmli8WDavI5KKEpUSugwkmmUShHH8Qtefz+ArvCezZ6Bteu5kXg6osLwHUcYSQ0Lq1vGygfmxf7tT6dgU2TpDfKSpZUKIX0905lUEH3OzvtIzCisHqqgrkxSM3mtKQz5sFv5qe+rlHUybZ+9YSgRNLQ==';
/** python cryptography: AESGCM(demo APIv3 key).encrypt(b'fenkatnonce1', plaintext, b'transaction'). */
const KAT_GCM = {
  ciphertext:
    'pxkYQvf4N8g6KKyS7RCgK7lnGb/5MGJY5ybjJ78r4AMLIjbVFFwFntaYW/kMEqrcF3L7/mwOxlQ/jV6zL+0gq/10BrhErjLU',
  nonce: 'fenkatnonce1',
  associated_data: 'transaction',
  plaintext: '{"out_trade_no":"KATV3NATIVE01","trade_state":"SUCCESS"}',
};

describe('the test signer, verifier and AES-GCM', () => {
  it('when given the wechatpy request vector, then it yields the published signature', () => {
    const v = vector<Record<string, string>>('v3-request-signature-wechatpy');
    const key = createPrivateKey(vectorKey(v.input.private_key!).pem);
    const message = requestMessage(
      v.input.method!,
      v.input.url!,
      v.input.timestamp!,
      v.input.nonce_str!,
      v.input.body!,
    );
    expect(message).toBe(v.input.message);
    expect(rsaSha256(message, key)).toBe(v.expected.signature);
  });

  it('when given the demo merchant key, then it yields the openssl signatures', () => {
    expect(
      rsaSha256(
        requestMessage(
          'POST',
          '/v3/pay/transactions/native',
          String(KAT_TS),
          'fenkatnonce00000000000000000001',
          KAT_BODY,
        ),
        merchantKey(),
      ),
    ).toBe(KAT_PREPAY_SIGNATURE);
    expect(
      rsaSha256(
        requestMessage(
          'GET',
          '/v3/pay/transactions/out-trade-no/KATV3NATIVE01?mchid=1900000109',
          String(KAT_TS + 1),
          'fenkatnonce00000000000000000002',
          '',
        ),
        merchantKey(),
      ),
    ).toBe(KAT_QUERY_SIGNATURE);
  });

  it('when given the openssl reply signatures, then the verifier accepts them and refuses a changed byte', () => {
    const headers = (nonce: string, signature: string) => ({
      'wechatpay-timestamp': String(KAT_TS),
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
    });
    const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=KAT0001"}';
    const h1 = headers('fenkatreplynonce0000000000000001', KAT_PLATFORM_SIGNATURE);
    expect(wechatpaySignatureOk(h1, body, platformPublicKey())).toBe(true);
    expect(wechatpaySignatureOk(h1, body.replace('KAT0001', 'KAT0002'), platformPublicKey())).toBe(
      false,
    );
    const h2 = headers('fenkatreplynonce0000000000000002', KAT_PUBLIC_KEY_SIGNATURE);
    const publicKey = createPublicKey(cert('wechatpay_pub_key.pem'));
    expect(wechatpaySignatureOk(h2, '', publicKey)).toBe(true);
    expect(wechatpaySignatureOk(h2, '', platformPublicKey())).toBe(false);
  });

  it('when given the python and wechatpay-java ciphertexts, then it decrypts them', () => {
    expect(decryptAesGcm(KAT_GCM)).toBe(KAT_GCM.plaintext);
    expect(() => decryptAesGcm({ ...KAT_GCM, associated_data: 'refund' })).toThrow();
    const v = vector<Record<string, string>>('v3-aesgcm-decrypt-wechatpay-java-message');
    expect(decryptAesGcm(v.input as never, v.input.key)).toBe(v.expected.plaintext);
  });

  it('when reading the committed certificates, then their serials are the documented ones', () => {
    expect(new X509Certificate(cert('apiclient_cert.pem')).serialNumber).toBe(DEMO_V3.serialNo);
    expect(new X509Certificate(cert('wechatpay_platform_cert.pem')).serialNumber).toBe(
      DEMO_V3.platformSerial,
    );
  });
});

describe('the sandbox against the known answers', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ clock: { now: () => new Date(KAT_TS * 1000) } });
  });
  afterAll(() => sandbox.close());

  const katAuthorization = (signature: string, nonce: string, timestamp: number) =>
    `WECHATPAY2-SHA256-RSA2048 mchid="1900000109",serial_no="${DEMO_V3.serialNo}",nonce_str="${nonce}",timestamp="${timestamp}",signature="${signature}"`;

  it('when a prepay carries the openssl signature, then it is accepted and the signed reply verifies with the committed platform certificate', async () => {
    const reply = await v3Call(sandbox.url, 'POST', '/v3/pay/transactions/native', KAT_BODY, {
      authorization: katAuthorization(
        KAT_PREPAY_SIGNATURE,
        'fenkatnonce00000000000000000001',
        KAT_TS,
      ),
    });
    expect(reply.status).toBe(200);
    expect(reply.json.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(reply.headers['wechatpay-serial']).toBe(DEMO_V3.platformSerial);
    expect(reply.headers['wechatpay-timestamp']).toBe(String(KAT_TS));
    expect(wechatpaySignatureOk(reply.headers, reply.body, platformPublicKey())).toBe(true);
  });

  it('when the query carries the openssl signature, then it finds the order', async () => {
    const url = '/v3/pay/transactions/out-trade-no/KATV3NATIVE01?mchid=1900000109';
    const reply = await v3Call(sandbox.url, 'GET', url, undefined, {
      authorization: katAuthorization(
        KAT_QUERY_SIGNATURE,
        'fenkatnonce00000000000000000002',
        KAT_TS + 1,
      ),
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ out_trade_no: 'KATV3NATIVE01', trade_state: 'NOTPAY' });
  });

  it('when one byte of the signed body differs, then the answer is a signed 401 SIGN_ERROR', async () => {
    const reply = await v3Call(
      sandbox.url,
      'POST',
      '/v3/pay/transactions/native',
      KAT_BODY.replace('1990', '1991'),
      {
        authorization: katAuthorization(
          KAT_PREPAY_SIGNATURE,
          'fenkatnonce00000000000000000001',
          KAT_TS,
        ),
      },
    );
    expect(reply.status).toBe(401);
    expect(reply.json.code).toBe('SIGN_ERROR');
    expect(wechatpaySignatureOk(reply.headers, reply.body, platformPublicKey())).toBe(true);
  });
});
