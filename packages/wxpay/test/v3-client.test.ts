import { createHash, createPublicKey } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { createV3PayClient, isV3ApiError, rsaVerify, v3PaySignMessage } from '../src/v3/index.js';
import type { V3PayClient, V3PayClientOptions } from '../src/v3/index.js';
import { startFakeV3WeChat } from './support/v3-fake-wechat.js';
import type { FakeV3WeChat } from './support/v3-fake-wechat.js';
import { merchant, platformA, platformB } from './support/v3-keys.js';

let wechat: FakeV3WeChat;
let client: V3PayClient;
const extraClients: V3PayClient[] = [];

function newClient(overrides: Partial<V3PayClientOptions> = {}): V3PayClient {
  const c = createV3PayClient({
    mchId: merchant.mchId,
    appId: merchant.appId,
    privateKey: merchant.privateKey,
    merchantSerialNo: merchant.serialNo,
    apiV3Key: merchant.apiV3Key,
    baseUrl: wechat.url,
    timeoutMs: 3000,
    ...overrides,
  });
  extraClients.push(c);
  return c;
}

/** The error code a call fails with, or a marker when it succeeds. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'DID_NOT_THROW';
  } catch (err) {
    return isWxPayError(err) ? err.code : `NOT_WXPAY: ${String(err)}`;
  }
}

const order = {
  description: 'Fen demo tea',
  out_trade_no: 'FEN20261201000001',
  notify_url: 'https://fen.example/wxpay/v3/notify',
  amount: { total: 1990, currency: 'CNY' as const },
};

const transaction = {
  appid: merchant.appId,
  mchid: merchant.mchId,
  out_trade_no: order.out_trade_no,
  transaction_id: '4200000001202612010000000001',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  trade_state_desc: '支付成功',
  amount: { total: 1990, payer_total: 1990, currency: 'CNY', payer_currency: 'CNY' },
};

beforeEach(async () => {
  wechat = await startFakeV3WeChat({ signer: platformA, certificates: [platformA] });
  client = newClient();
});

afterEach(async () => {
  await Promise.all(extraClients.splice(0).map((c) => c.close()));
  await wechat.close();
});

describe('prepay', () => {
  it('when a JSAPI order is placed, then the signed request carries mchid and appid and the prepay_id comes back', async () => {
    wechat.route('POST', '/v3/pay/transactions/jsapi', () => ({
      status: 200,
      json: { prepay_id: 'wx201410272009395522657a690389285100' },
    }));
    const reply = await client.prepayJsapi({
      ...order,
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    });
    expect(reply).toEqual({ prepay_id: 'wx201410272009395522657a690389285100' });
    expect(wechat.authFailures).toEqual([]);
    const sent = JSON.parse(wechat.wechat.calls('/v3/pay/transactions/jsapi')[0]!.body) as Record<
      string,
      unknown
    >;
    expect(sent).toMatchObject({
      mchid: merchant.mchId,
      appid: merchant.appId,
      amount: { total: 1990 },
    });
    expect(wechat.certificateDownloads()).toBe(1);
  });

  it('when APP, Native and H5 orders are placed, then each reaches its path and returns its field', async () => {
    wechat.route('POST', '/v3/pay/transactions/app', () => ({
      status: 200,
      json: { prepay_id: 'wx_app_1' },
    }));
    wechat.route('POST', '/v3/pay/transactions/native', () => ({
      status: 200,
      json: { code_url: 'weixin://wxpay/bizpayurl?pr=abc' },
    }));
    wechat.route('POST', '/v3/pay/transactions/h5', () => ({
      status: 200,
      json: { h5_url: 'https://wx.tenpay.com/h5?x=1' },
    }));
    await expect(client.prepayApp(order)).resolves.toEqual({ prepay_id: 'wx_app_1' });
    await expect(client.prepayNative(order)).resolves.toEqual({
      code_url: 'weixin://wxpay/bizpayurl?pr=abc',
    });
    await expect(
      client.prepayH5({
        ...order,
        scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
      }),
    ).resolves.toEqual({ h5_url: 'https://wx.tenpay.com/h5?x=1' });
    expect(wechat.authFailures).toEqual([]);
    expect(wechat.certificateDownloads()).toBe(1);
  });

  it('when the amount is not integer fen, then nothing is sent and the error names the field', async () => {
    const err = await client
      .prepayNative({ ...order, amount: { total: 19.9 } })
      .catch((e: unknown) => e);
    expect(isWxPayError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(String(err)).toContain('amount.total');
    expect(wechat.wechat.requests).toEqual([]);
  });

  it('when the request names another mchid, then nothing is sent', async () => {
    expect(await codeOf(client.prepayNative({ ...order, mchid: '1230000109' }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(wechat.wechat.requests).toEqual([]);
  });

  it('when the merchant key does not match the registered certificate, then WeChat answers SIGN_ERROR', async () => {
    const impostor = newClient({ privateKey: platformB.privateKey });
    wechat.route('POST', '/v3/pay/transactions/native', () => ({
      status: 200,
      json: { code_url: 'x' },
    }));
    const err = await impostor.prepayNative(order).catch((e: unknown) => e);
    expect(isV3ApiError(err, 'SIGN_ERROR')).toBe(true);
    expect(wechat.authFailures).toContain('signature does not verify');
  });
});

describe('query and close', () => {
  it('when an order is queried by out_trade_no or transaction_id, then the signed GET carries mchid and the transaction comes back', async () => {
    wechat.route('GET', `/v3/pay/transactions/out-trade-no/${order.out_trade_no}`, () => ({
      status: 200,
      json: transaction,
    }));
    wechat.route('GET', `/v3/pay/transactions/id/${transaction.transaction_id}`, () => ({
      status: 200,
      json: transaction,
    }));
    await expect(client.queryByOutTradeNo(order.out_trade_no)).resolves.toEqual(transaction);
    await expect(client.queryByTransactionId(transaction.transaction_id)).resolves.toEqual(
      transaction,
    );
    expect(
      wechat.wechat.requests.filter((r) => r.path.startsWith('/v3/pay')).map((r) => r.query),
    ).toEqual([{ mchid: merchant.mchId }, { mchid: merchant.mchId }]);
    expect(wechat.authFailures).toEqual([]);
  });

  it('when an order is closed, then WeChat gets {mchid} and the signed 204 resolves', async () => {
    const path = `/v3/pay/transactions/out-trade-no/${order.out_trade_no}/close`;
    wechat.route('POST', path, () => ({ status: 204 }));
    await expect(client.closeOrder(order.out_trade_no)).resolves.toBeUndefined();
    expect(JSON.parse(wechat.wechat.calls(path)[0]!.body)).toEqual({ mchid: merchant.mchId });
  });

  it('when the order does not exist, then the one API error carries WeChat code, message, status and Request-ID', async () => {
    wechat.route('GET', '/v3/pay/transactions/out-trade-no/FEN_MISSING_1', () => ({
      status: 404,
      json: { code: 'ORDER_NOT_EXIST', message: '订单不存在' },
    }));
    const err = await client.queryByOutTradeNo('FEN_MISSING_1').catch((e: unknown) => e);
    expect(isV3ApiError(err, 'ORDER_NOT_EXIST')).toBe(true);
    expect(err).toMatchObject({
      kind: 'api',
      status: 404,
      wechatMessage: '订单不存在',
      signatureVerified: true,
    });
    expect((err as { requestId?: string }).requestId).toMatch(/^req-/);
  });

  it('when WeChat answers an unsigned 500, then it is still the API error, marked unverified', async () => {
    wechat.route('GET', '/v3/pay/transactions/out-trade-no/FEN_BUSY_001', () => ({
      status: 500,
      json: { code: 'SYSTEM_ERROR', message: '系统繁忙,请稍后重试' },
      signer: null,
    }));
    const err = await client.queryByOutTradeNo('FEN_BUSY_001').catch((e: unknown) => e);
    expect(isV3ApiError(err, 'SYSTEM_ERROR')).toBe(true);
    expect(err).toMatchObject({ status: 500, signatureVerified: false });
  });
});

describe('reply verification', () => {
  const path = `/v3/pay/transactions/out-trade-no/${order.out_trade_no}`;

  it('when a proxy changes the body after WeChat signed it, then the reply is refused', async () => {
    wechat.route('GET', path, () => ({
      status: 200,
      json: { ...transaction, trade_state: 'NOTPAY' },
      tamper: (body) => Buffer.from(body.toString('utf8').replace('NOTPAY', 'SUCCESS')),
    }));
    expect(await codeOf(client.queryByOutTradeNo(order.out_trade_no))).toBe('V3_SIGNATURE_INVALID');
  });

  it('when a 2xx reply carries no signature, then it is refused naming the header', async () => {
    wechat.route('GET', path, () => ({ status: 200, json: transaction, signer: null }));
    const err = await client.queryByOutTradeNo(order.out_trade_no).catch((e: unknown) => e);
    expect(isWxPayError(err, 'V3_SIGNATURE_HEADERS_INVALID')).toBe(true);
    expect(String(err)).toContain('Wechatpay-Timestamp');
  });

  it('when a reply was signed more than 5 minutes ago, then it is refused as stale', async () => {
    wechat.route('GET', path, () => ({ status: 200, json: transaction, skewSeconds: -301 }));
    expect(await codeOf(client.queryByOutTradeNo(order.out_trade_no))).toBe('V3_TIMESTAMP_STALE');
  });

  it('when a reply was signed 4 minutes ago, then it is accepted', async () => {
    wechat.route('GET', path, () => ({ status: 200, json: transaction, skewSeconds: -240 }));
    await expect(client.queryByOutTradeNo(order.out_trade_no)).resolves.toEqual(transaction);
  });

  it('when a signed error reply does not verify, then the signature error wins over the API error', async () => {
    wechat.route('GET', path, () => ({
      status: 404,
      json: { code: 'ORDER_NOT_EXIST', message: 'x' },
      tamper: (body) => Buffer.from(body.toString('utf8').replace('"x"', '"y"')),
    }));
    expect(await codeOf(client.queryByOutTradeNo(order.out_trade_no))).toBe('V3_SIGNATURE_INVALID');
  });
});

describe('refunds', () => {
  const refund = {
    refund_id: '50000000382019052709732678859',
    out_refund_no: 'FENR20261201000001',
    transaction_id: transaction.transaction_id,
    out_trade_no: order.out_trade_no,
    channel: 'ORIGINAL',
    status: 'PROCESSING',
    amount: { total: 1990, refund: 990, payer_total: 1990, payer_refund: 990, currency: 'CNY' },
  };

  it('when a refund is requested and queried, then both signed replies come back', async () => {
    wechat.route('POST', '/v3/refund/domestic/refunds', () => ({ status: 200, json: refund }));
    wechat.route('GET', `/v3/refund/domestic/refunds/${refund.out_refund_no}`, () => ({
      status: 200,
      json: { ...refund, status: 'SUCCESS' },
    }));
    await expect(
      client.refund({
        out_trade_no: order.out_trade_no,
        out_refund_no: refund.out_refund_no,
        amount: { refund: 990, total: 1990, currency: 'CNY' },
      }),
    ).resolves.toEqual(refund);
    await expect(client.queryRefund(refund.out_refund_no)).resolves.toMatchObject({
      status: 'SUCCESS',
    });
    expect(JSON.parse(wechat.wechat.calls('/v3/refund/domestic/refunds')[0]!.body)).toMatchObject({
      amount: { refund: 990, total: 1990, currency: 'CNY' },
    });
  });

  it('when the refund exceeds the order or is not integer fen, then nothing is sent', async () => {
    const base = { out_trade_no: order.out_trade_no, out_refund_no: 'FENR1' };
    const err = await client
      .refund({ ...base, amount: { refund: 2000, total: 1990, currency: 'CNY' } })
      .catch((e: unknown) => e);
    expect(String(err)).toContain('must not exceed');
    expect(
      await codeOf(
        client.refund({ ...base, amount: { refund: 9.9, total: 1990, currency: 'CNY' } }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(wechat.wechat.calls('/v3/refund/domestic/refunds')).toEqual([]);
  });
});

describe('trade bill', () => {
  const bill =
    '\uFEFF交易时间,公众账号ID,商户号\r\n`2026-11-30 10:00:00,`wxd678efh567hg6787,`1900009191\r\n';

  function serveBill(
    file: Buffer,
    hash = createHash('sha1').update(file).digest('hex'),
    url?: string,
    path = '/v3/bill/tradebill',
  ) {
    wechat.route('GET', path, () => ({
      status: 200,
      json: {
        hash_type: 'SHA1',
        hash_value: hash,
        download_url: url ?? `${wechat.url}/v3/billdownload/file?token=T1`,
      },
    }));
    // WeChat does not sign the file: its hash is in the signed reply above.
    wechat.route('GET', '/v3/billdownload/file', () => ({ status: 200, raw: file, signer: null }));
  }

  it('when the bill is downloaded, then its text matches the file and the SHA1 was checked', async () => {
    serveBill(Buffer.from(bill, 'utf8'));
    const result = await client.tradeBill({ bill_date: '2026-11-30', bill_type: 'ALL' });
    expect(result.text).toBe(bill);
    expect(wechat.wechat.calls('/v3/bill/tradebill')[0]!.query).toEqual({
      bill_date: '2026-11-30',
      bill_type: 'ALL',
    });
    expect(wechat.authFailures).toEqual([]);
  });

  it('when a GZIP bill is downloaded, then it is unzipped and the SHA1 of the text is checked', async () => {
    // WeChat's hash_value is the SHA1 of the uncompressed bill, never of the gzip bytes.
    const textHash = createHash('sha1').update(bill, 'utf8').digest('hex');
    serveBill(gzipSync(Buffer.from(bill, 'utf8')), textHash);
    await expect(
      client.tradeBill({ bill_date: '2026-11-30', tar_type: 'GZIP' }),
    ).resolves.toMatchObject({ text: bill });
    const zipped = gzipSync(Buffer.from(bill, 'utf8'));
    serveBill(zipped, createHash('sha1').update(zipped).digest('hex'));
    expect(await codeOf(client.tradeBill({ bill_date: '2026-11-30', tar_type: 'GZIP' }))).toBe(
      'V3_BILL_HASH_MISMATCH',
    );
  });

  it('when the fund-flow bill is downloaded, then the account is asked for and the SHA1 checked', async () => {
    serveBill(Buffer.from(bill, 'utf8'), undefined, undefined, '/v3/bill/fundflowbill');
    const result = await client.fundFlowBill({ bill_date: '2026-11-30', account_type: 'BASIC' });
    expect(result.text).toBe(bill);
    expect(wechat.wechat.calls('/v3/bill/fundflowbill')[0]!.query).toEqual({
      bill_date: '2026-11-30',
      account_type: 'BASIC',
    });
    serveBill(Buffer.from(bill, 'utf8'), 'f'.repeat(40), undefined, '/v3/bill/fundflowbill');
    expect(await codeOf(client.fundFlowBill({ bill_date: '2026-11-30' }))).toBe(
      'V3_BILL_HASH_MISMATCH',
    );
    const bad = client.fundFlowBill({
      bill_date: '20261130',
      account_type: 'Basic' as 'BASIC',
    });
    expect(await codeOf(bad)).toBe('INVALID_ARGUMENT');
  });

  it('when the file is not the one WeChat hashed, then it is refused', async () => {
    serveBill(Buffer.from(bill, 'utf8'), createHash('sha1').update('another file').digest('hex'));
    expect(await codeOf(client.tradeBill({ bill_date: '2026-11-30' }))).toBe(
      'V3_BILL_HASH_MISMATCH',
    );
  });

  it('when download_url points at another host, then no signed request goes there', async () => {
    serveBill(Buffer.from(bill, 'utf8'), undefined, 'https://elsewhere.example/file?token=T1');
    expect(await codeOf(client.tradeBill({ bill_date: '2026-11-30' }))).toBe('V3_BAD_RESPONSE');
    expect(wechat.wechat.calls('/v3/billdownload/file')).toEqual([]);
  });
});

describe('WeChat Pay public key mode', () => {
  const publicKeyId = 'PUB_KEY_ID_0119000091912026120100000000000001';

  it('when replies are signed with the public key id, then they verify without any certificate download', async () => {
    wechat.signer = { serial: publicKeyId, privateKey: platformB.privateKey };
    const pkClient = newClient({
      wechatPayPublicKey: { id: publicKeyId, key: createPublicKey(platformB.privateKey) },
    });
    wechat.route('GET', `/v3/pay/transactions/out-trade-no/${order.out_trade_no}`, () => ({
      status: 200,
      json: transaction,
    }));
    await expect(pkClient.queryByOutTradeNo(order.out_trade_no)).resolves.toEqual(transaction);
    expect(wechat.certificateDownloads()).toBe(0);
  });

  it('when a reply names another key id, then it is refused as an unknown serial, without download', async () => {
    wechat.signer = {
      serial: 'PUB_KEY_ID_0119000091912026120100000000000002',
      privateKey: platformB.privateKey,
    };
    const pkClient = newClient({
      wechatPayPublicKey: { id: publicKeyId, key: createPublicKey(platformB.privateKey) },
    });
    wechat.route('GET', `/v3/pay/transactions/out-trade-no/${order.out_trade_no}`, () => ({
      status: 200,
      json: transaction,
    }));
    expect(await codeOf(pkClient.queryByOutTradeNo(order.out_trade_no))).toBe('V3_SERIAL_UNKNOWN');
    expect(wechat.certificateDownloads()).toBe(0);
  });
});

describe('options and pay parameters', () => {
  it('when options are wrong, then one error lists every problem without any key', () => {
    let err: unknown;
    try {
      createV3PayClient({
        mchId: 'abc',
        privateKey: 'not a pem',
        merchantSerialNo: 'zz',
        apiV3Key: 'testAPIv3Key0000',
        baseUrl: 'ftp://x',
      });
    } catch (e) {
      err = e;
    }
    expect(isWxPayError(err, 'INVALID_OPTIONS')).toBe(true);
    const message = String(err);
    for (const part of [
      'mchId',
      'merchantSerialNo',
      'private key',
      'APIv3 key must be 32 bytes (got 16 bytes)',
      'baseUrl',
    ]) {
      expect(message).toContain(part);
    }
    expect(message).not.toContain('testAPIv3Key0000');
  });

  it('when pay parameters are built for a prepay_id, then paySign verifies with the merchant public key', () => {
    const params = client.miniProgramPayParams('wx201410272009395522657a690389285100');
    expect(params.signType).toBe('RSA');
    expect(params.package).toBe('prepay_id=wx201410272009395522657a690389285100');
    const message = v3PaySignMessage(
      merchant.appId,
      params.timeStamp,
      params.nonceStr,
      params.package,
    );
    expect(rsaVerify(message, params.paySign, merchant.publicKey)).toBe(true);
  });

  it('when the certificate download uses another APIv3 key, then the error says to check the APIv3 key', async () => {
    await wechat.close();
    wechat = await startFakeV3WeChat({
      signer: platformA,
      certificates: [platformA],
      apiV3Key: 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ',
    });
    const c = newClient();
    wechat.route('GET', `/v3/pay/transactions/out-trade-no/${order.out_trade_no}`, () => ({
      status: 200,
      json: transaction,
    }));
    const err = await c.queryByOutTradeNo(order.out_trade_no).catch((e: unknown) => e);
    expect(isWxPayError(err, 'V3_CERTIFICATE_DECRYPT_FAILED')).toBe(true);
    expect(String(err)).toContain('check the APIv3 key');
  });
});
