import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { eventually } from './support/http.js';
import {
  decryptAesGcm,
  DEMO_V3,
  jsapiBody,
  paidV3Order,
  platformPublicKey,
  sandboxV3Calls,
  v3Suite,
  v3Call,
  v3TradeNo,
  wechatpaySignatureOk,
} from './support/v3-wire.js';

const suite = v3Suite({ timeScale: 0.001, refundDelaySeconds: 10 }, 'bob');

const { post, get } = sandboxV3Calls(() => suite.sandbox);
const paidOrder = (total = 1990) =>
  paidV3Order(suite.sandbox, suite.openid, { amount: { total, currency: 'CNY' } });

const refundBody = (outTradeNo: string, refund: number, total = 1990, extra = {}) => ({
  out_trade_no: outTradeNo,
  out_refund_no: v3TradeNo('R'),
  amount: { refund, total, currency: 'CNY' },
  ...extra,
});

describe('POST /v3/refund/domestic/refunds', () => {
  it('when a paid order is refunded, then PROCESSING, then SUCCESS, and REFUND.SUCCESS arrives signed and decrypts', async () => {
    const { outTradeNo, transactionId } = await paidOrder();
    const body = refundBody(outTradeNo, 500, 1990, {
      notify_url: suite.receiver.url,
      reason: '尺码不合适',
    });
    const created = await post('/v3/refund/domestic/refunds', body);
    expect(created.status).toBe(200);
    expect(wechatpaySignatureOk(created.headers, created.body, platformPublicKey())).toBe(true);
    expect(created.json).toMatchObject({
      out_refund_no: body.out_refund_no,
      out_trade_no: outTradeNo,
      transaction_id: transactionId,
      refund_id: expect.stringMatching(/^\d{29}$/),
      status: 'PROCESSING',
      channel: 'ORIGINAL',
      amount: { total: 1990, refund: 500, payer_refund: 500, currency: 'CNY' },
    });
    const hit = await eventually(
      () => suite.receiver.hits.find((h) => h.body.includes('REFUND.SUCCESS')),
      5000,
      'refund notification',
    );
    expect(hit.headers['content-type']).toContain('application/json');
    expect(hit.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(wechatpaySignatureOk(hit.headers, hit.body, platformPublicKey())).toBe(true);
    const envelope = JSON.parse(hit.body);
    expect(envelope).toMatchObject({
      event_type: 'REFUND.SUCCESS',
      resource_type: 'encrypt-resource',
    });
    expect(envelope.resource).toMatchObject({
      original_type: 'refund',
      algorithm: 'AEAD_AES_256_GCM',
      associated_data: 'refund',
    });
    const resource = JSON.parse(decryptAesGcm(envelope.resource));
    expect(resource).toMatchObject({
      mchid: DEMO_V3.mchId,
      out_trade_no: outTradeNo,
      transaction_id: transactionId,
      out_refund_no: body.out_refund_no,
      refund_id: created.json.refund_id,
      refund_status: 'SUCCESS',
      amount: { total: 1990, refund: 500 },
    });
    const queried = await get(`/v3/refund/domestic/refunds/${body.out_refund_no}`);
    expect(queried.json).toMatchObject({ status: 'SUCCESS', refund_id: created.json.refund_id });
    expect(queried.json.success_time).toMatch(/\+08:00$/);
    expect(
      (await get(`/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${DEMO_V3.mchId}`)).json
        .trade_state,
    ).toBe('REFUND');
  });

  it('when the same out_refund_no comes again, then the same refund; with other amounts, 400 INVALID_REQUEST', async () => {
    const { outTradeNo } = await paidOrder();
    const body = refundBody(outTradeNo, 300);
    const first = await post('/v3/refund/domestic/refunds', body);
    const again = await post('/v3/refund/domestic/refunds', body);
    expect(again.json.refund_id).toBe(first.json.refund_id);
    const changed = await post('/v3/refund/domestic/refunds', {
      ...body,
      amount: { refund: 301, total: 1990, currency: 'CNY' },
    });
    expect([changed.status, changed.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('when refunds would exceed the order, or name another total, then 400 INVALID_REQUEST', async () => {
    const { outTradeNo, transactionId } = await paidOrder(1000);
    expect(
      (await post('/v3/refund/domestic/refunds', refundBody(outTradeNo, 600, 1000))).status,
    ).toBe(200);
    const over = await post('/v3/refund/domestic/refunds', {
      ...refundBody(outTradeNo, 401, 1000),
      out_trade_no: undefined,
      transaction_id: transactionId,
    });
    expect([over.status, over.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const wrongTotal = await post('/v3/refund/domestic/refunds', refundBody(outTradeNo, 1, 999));
    expect([wrongTotal.status, wrongTotal.json.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(
      (await post('/v3/refund/domestic/refunds', refundBody(outTradeNo, 400, 1000))).status,
    ).toBe(200);
    const full = await post('/v3/refund/domestic/refunds', refundBody(outTradeNo, 1, 1000));
    expect([full.status, full.json.message]).toEqual([400, '订单已全额退款']);
  });

  it('when the order is unpaid or unknown, or fields are malformed, then 404 RESOURCE_NOT_EXISTS / 400 PARAM_ERROR', async () => {
    const unpaid = jsapiBody(suite.openid);
    await post('/v3/pay/transactions/jsapi', unpaid);
    const notPaid = await post('/v3/refund/domestic/refunds', refundBody(unpaid.out_trade_no, 1));
    expect([notPaid.status, notPaid.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    const unknown = await post('/v3/refund/domestic/refunds', refundBody(v3TradeNo(), 1));
    expect([unknown.status, unknown.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    const { outTradeNo } = await paidOrder();
    const cases: [Record<string, unknown>, string][] = [
      [{ amount: { refund: 1.5, total: 1990, currency: 'CNY' } }, 'amount.refund'],
      [{ amount: { refund: 1, total: 1990 } }, 'amount.currency'],
      [{ out_refund_no: 'bad refund no' }, 'out_refund_no'],
      [{ out_trade_no: undefined }, 'out_trade_no'],
      [{ transaction_id: '12ab' }, 'transaction_id'],
      [{ notify_url: 'ftp://127.0.0.1/x' }, 'notify_url'],
    ];
    for (const [override, field] of cases) {
      const reply = await post('/v3/refund/domestic/refunds', {
        ...refundBody(outTradeNo, 1),
        ...override,
      });
      expect([reply.status, reply.json.code, reply.json.detail?.field], field).toEqual([
        400,
        'PARAM_ERROR',
        field,
      ]);
    }
    const missing = await get(`/v3/refund/domestic/refunds/${v3TradeNo('R')}`);
    expect([missing.status, missing.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
  });
});

describe('GET /v3/bill/tradebill and /v3/bill/fundflowbill', () => {
  it('when a day has payments, then from 10:00 the next day the download_url serves the file whose uncompressed SHA1 was signed', async () => {
    const { outTradeNo, transactionId } = await paidOrder(2500);
    const day = new Date(suite.sandbox.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const early = await get(`/v3/bill/tradebill?bill_date=${day}`);
    expect([early.status, early.json.code]).toEqual([400, 'NO_STATEMENT_EXIST']);
    // To 00:30 the next Beijing day, then 09:30: the bill is being made until 10:00.
    const beijingMs = suite.sandbox.now().getTime() + 8 * 3600_000;
    const toNextDay = 86_400_000 - (beijingMs % 86_400_000) + 30 * 60_000;
    suite.sandbox.advanceClock(toNextDay / 1000);
    const creating = await get(`/v3/bill/tradebill?bill_date=${day}`);
    expect([creating.status, creating.json.code]).toEqual([400, 'STATEMENT_CREATING']);
    suite.sandbox.advanceClock(9 * 3600);
    const stillCreating = await get(`/v3/bill/fundflowbill?bill_date=${day}`);
    expect([stillCreating.status, stillCreating.json.code]).toEqual([400, 'STATEMENT_CREATING']);
    suite.sandbox.advanceClock(3600);
    const link = await get(`/v3/bill/tradebill?bill_date=${day}&tar_type=GZIP`);
    expect(link.status).toBe(200);
    expect(wechatpaySignatureOk(link.headers, link.body, platformPublicKey())).toBe(true);
    expect(link.json.hash_type).toBe('SHA1');
    const fileUrl = new URL(link.json.download_url);
    expect(fileUrl.origin).toBe(suite.sandbox.url);
    expect(fileUrl.searchParams.get('tartype')).toBe('gzip');
    const file = await get(fileUrl.pathname + fileUrl.search);
    expect(file.status).toBe(200);
    expect(file.headers['wechatpay-signature']).toBeUndefined();
    const text = gunzipSync(file.body).toString('utf8');
    expect(createHash('sha1').update(text, 'utf8').digest('hex')).toBe(link.json.hash_value);
    expect(text.startsWith('\uFEFF交易时间')).toBe(true);
    expect(text).toContain(`\`${outTradeNo}`);
    expect(text).toContain('`25.00');
    const unsigned = await v3Call(
      suite.sandbox.url,
      'GET',
      fileUrl.pathname + fileUrl.search,
      undefined,
      { authorization: null },
    );
    expect(unsigned.status).toBe(401);

    const fund = await get(`/v3/bill/fundflowbill?bill_date=${day}&account_type=BASIC`);
    expect(fund.status).toBe(200);
    expect(wechatpaySignatureOk(fund.headers, fund.body, platformPublicKey())).toBe(true);
    const fundUrl = new URL(fund.json.download_url);
    const fundFile = await get(fundUrl.pathname + fundUrl.search);
    expect(createHash('sha1').update(fundFile.body).digest('hex')).toBe(fund.json.hash_value);
    expect(fundFile.text.startsWith('\uFEFF记账时间,微信支付业务单号')).toBe(true);
    expect(fundFile.text).toContain(`\`${transactionId},`);
    const fees = await get(`/v3/bill/fundflowbill?bill_date=${day}&account_type=FEES`);
    expect([fees.status, fees.json.code]).toEqual([400, 'NO_STATEMENT_EXIST']);

    // The link lasts 5 minutes (sandbox clock), then WeChat's expiry answer.
    suite.sandbox.advanceClock(301);
    const expired = await get(fileUrl.pathname + fileUrl.search);
    expect([expired.status, expired.json.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(expired.json.message).toBe('下载链接过期,请重新请求文件下载');

    const badDate = await get('/v3/bill/tradebill?bill_date=20260101');
    expect([badDate.status, badDate.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const badType = await get(`/v3/bill/tradebill?bill_date=${day}&bill_type=RECHARGE_REFUND`);
    expect([badType.status, badType.json.code]).toEqual([400, 'PARAM_ERROR']);
    const badAccount = await get(`/v3/bill/fundflowbill?bill_date=${day}&account_type=Basic`);
    expect([badAccount.status, badAccount.json.code]).toEqual([400, 'PARAM_ERROR']);
    const badTar = await get(`/v3/bill/fundflowbill?bill_date=${day}&tar_type=ZIP`);
    expect([badTar.status, badTar.json.code]).toEqual([400, 'PARAM_ERROR']);
  });
});
