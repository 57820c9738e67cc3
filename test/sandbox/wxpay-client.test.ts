import { readFileSync } from 'node:fs';
import {
  billYuanToFen,
  createPayClient,
  createWeChatApi,
  decryptRefundInfo,
  isWxPayError,
  parseFundFlowBill,
  parsePaymentNotification,
  parseRefundNotification,
  parseTradeBill,
} from '@fen/wxpay';
import { DEMO_CERTS_DIR, DEMO_MERCHANT, createSandbox } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @fen/wxpay's clients against the sandbox, over real HTTP and mutual TLS: the two sides were
// written apart (and each is pinned to known-answer vectors in its own tests), so agreement here
// means the wire format matches.
const cert = (name: string) => readFileSync(new URL(name, DEMO_CERTS_DIR));

let sandbox: Sandbox;
let pay: ReturnType<typeof createPayClient>;
let payHmac: ReturnType<typeof createPayClient>;
let api: ReturnType<typeof createWeChatApi>;

beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001, refundDelaySeconds: 5 });
  const common = {
    appId: DEMO_MERCHANT.appId,
    mchId: DEMO_MERCHANT.mchId,
    key: DEMO_MERCHANT.key,
    baseUrl: sandbox.url,
    secapiBaseUrl: sandbox.tlsUrl,
    ca: sandbox.caCert,
  };
  pay = createPayClient({ ...common, certificate: { pfx: cert('apiclient_cert.p12') } });
  payHmac = createPayClient({
    ...common,
    signType: 'HMAC-SHA256',
    certificate: { cert: cert('apiclient_cert.pem'), key: cert('apiclient_key.pem') },
  });
  api = createWeChatApi({
    appId: DEMO_MERCHANT.appId,
    secret: DEMO_MERCHANT.appSecret,
    baseUrl: sandbox.url,
  });
});
afterAll(async () => {
  await pay?.close();
  await payHmac?.close();
  await api?.close();
  await sandbox?.close();
});

const outTradeNo = () => `E2E${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

async function order(client: typeof pay, overrides: Record<string, string> = {}) {
  const openid = sandbox.loginCode('e2e-user').openid;
  const no = outTradeNo();
  const reply = await client.unifiedOrder({
    body: 'Fen 帆布包',
    out_trade_no: no,
    total_fee: '1990',
    spbill_create_ip: '127.0.0.1',
    notify_url: 'http://127.0.0.1:9/wxpay/notify',
    trade_type: 'JSAPI',
    openid,
    ...overrides,
  });
  return { no, reply, openid };
}

describe('@fen/wxpay against the sandbox', () => {
  it('when a user logs in, then code2Session gives the sandbox openid, and the code is single-use', async () => {
    const { code, openid } = sandbox.loginCode('e2e-login');
    expect((await api.code2Session(code)).openid).toBe(openid);
    await expect(api.code2Session(code)).rejects.toSatisfy((err) => isWxPayError(err, 'WX_40163'));
  });

  it('when the token and jsapi ticket are fetched, then they are cached and valid', async () => {
    const token = await api.getAccessToken();
    expect(await api.getAccessToken()).toBe(token);
    expect(await api.getJsapiTicket()).toBeTruthy();
  });

  for (const [name, client] of [
    ['MD5', () => pay],
    ['HMAC-SHA256', () => payHmac],
  ] as const) {
    it(`when a ${name} order is made, queried, paid and refunded, then each reply verifies`, async () => {
      const { no, reply } = await order(client());
      expect(reply.prepay_id).toMatch(/^wx/);
      expect((await client().orderQuery({ out_trade_no: no })).trade_state).toBe('NOTPAY');
      sandbox.pay(reply.prepay_id!);
      const paid = await client().orderQuery({ out_trade_no: no });
      expect(paid.trade_state).toBe('SUCCESS');
      const refund = await client().refund({
        out_trade_no: no,
        out_refund_no: `R${no}`,
        total_fee: '1990',
        refund_fee: '990',
      });
      expect(refund.refund_id).toBeTruthy();
      const again = await client().refund({
        out_trade_no: no,
        out_refund_no: `R${no}`,
        total_fee: '1990',
        refund_fee: '990',
      });
      expect(again.refund_id).toBe(refund.refund_id);
      const query = await client().refundQuery({ out_refund_no: `R${no}` });
      expect(query.refund_count).toBe('1');
    });
  }

  it("when business errors happen, then the client throws business errors with WeChat's err_code", async () => {
    const { no } = await order(pay);
    await expect(
      pay.unifiedOrder({
        body: 'changed',
        out_trade_no: no,
        total_fee: '1990',
        spbill_create_ip: '127.0.0.1',
        notify_url: 'http://127.0.0.1:9/wxpay/notify',
        trade_type: 'JSAPI',
        openid: sandbox.loginCode('e2e-user').openid,
      }),
    ).rejects.toSatisfy((err) => isWxPayError(err, 'INVALID_REQUEST'));
    await pay.closeOrder({ out_trade_no: no });
    await expect(pay.closeOrder({ out_trade_no: no })).rejects.toSatisfy((err) =>
      isWxPayError(err, 'ORDERCLOSED'),
    );
    await expect(pay.orderQuery({ out_trade_no: 'NOPE0000' })).rejects.toSatisfy((err) =>
      isWxPayError(err, 'ORDERNOTEXIST'),
    );
  });

  it("when the key is wrong, then the sandbox's return_code=FAIL becomes a protocol error", async () => {
    const wrong = createPayClient({
      appId: DEMO_MERCHANT.appId,
      mchId: DEMO_MERCHANT.mchId,
      key: 'x'.repeat(32),
      baseUrl: sandbox.url,
    });
    try {
      await expect(wrong.orderQuery({ out_trade_no: 'NOPE0000' })).rejects.toMatchObject({
        kind: 'protocol',
      });
    } finally {
      await wrong.close();
    }
  });

  it('when the payment and refund notifications are parsed by @fen/wxpay, then they verify and decrypt', async () => {
    const received: string[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.end('<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/n`;
    try {
      const { no, reply } = await order(payHmac, { notify_url: url });
      sandbox.pay(reply.prepay_id!);
      await payHmac.refund({
        out_trade_no: no,
        out_refund_no: `R${no}`,
        total_fee: '1990',
        refund_fee: '1990',
        notify_url: url,
      });
      for (let i = 0; i < 200 && received.length < 2; i += 1)
        await new Promise((r) => setTimeout(r, 10));
      const opts = {
        appId: DEMO_MERCHANT.appId,
        mchId: DEMO_MERCHANT.mchId,
        key: DEMO_MERCHANT.key,
      };
      const payment = parsePaymentNotification(received[0]!, opts);
      expect(payment.out_trade_no).toBe(no);
      const refund = parseRefundNotification(received[1]!, opts);
      expect(refund.info.out_trade_no).toBe(no);
      expect(refund.info.refund_status).toBe('SUCCESS');
      expect(decryptRefundInfo(refund.envelope.req_info!, DEMO_MERCHANT.key).refund_fee).toBe(
        '1990',
      );
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it("when a day's payments are billed, then downloadBill reads the sandbox's bill into rows", async () => {
    const { no, reply } = await order(payHmac, { total_fee: '1990' });
    sandbox.pay(reply.prepay_id!);
    // Beijing date of the payment; a day's bill exists from 10:00 the next day.
    const billDate = new Date(sandbox.now().getTime() + 8 * 3600_000)
      .toISOString()
      .slice(0, 10)
      .replaceAll('-', '');
    sandbox.advanceClock(34 * 3600);
    const bill = await payHmac.downloadBill({ bill_date: billDate, bill_type: 'SUCCESS' });
    const row = bill.rows.find((r) => r['商户订单号'] === no);
    expect(row).toMatchObject({ 交易状态: 'SUCCESS', 商户号: DEMO_MERCHANT.mchId });
    expect(billYuanToFen(row!['应结订单金额']!)).toBe(1990);
    expect(Number(bill.summary['总交易单数'])).toBe(bill.rows.length);
    const typed = parseTradeBill(bill).rows.find((r) => r.outTradeNo === no)!;
    expect([typed.totalFen, typed.settlementTotalFen, typed.feeFen]).toEqual([1990, 1990, 12]);

    // Fund flow: mutual TLS and HMAC-SHA256 always, even from the MD5 client; Digest checked.
    for (const client of [pay, payHmac]) {
      const flow = parseFundFlowBill(
        await client.downloadFundFlow({
          bill_date: billDate,
          account_type: 'Basic',
          tar_type: 'GZIP',
        }),
      );
      const income = flow.rows.find((r) => r.direction === 'income' && r.amountFen === 1990);
      expect(income).toMatchObject({
        businessName: '交易',
        businessNo: expect.stringMatching(/^\d{28}$/),
      });
      expect(flow.summary.count).toBe(flow.rows.length);
    }
    await expect(
      payHmac.downloadFundFlow({ bill_date: billDate, account_type: 'Fees' }),
    ).rejects.toSatisfy((err) => isWxPayError(err, 'BILL_NOT_FOUND'));
    const noCertificate = createPayClient({
      appId: DEMO_MERCHANT.appId,
      mchId: DEMO_MERCHANT.mchId,
      key: DEMO_MERCHANT.key,
      baseUrl: sandbox.url,
    });
    await expect(
      noCertificate.downloadFundFlow({ bill_date: billDate, account_type: 'Basic' }),
    ).rejects.toSatisfy((err) => isWxPayError(err, 'CERTIFICATE_REQUIRED'));
    await noCertificate.close();
  });
});
