import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { createPayClient } from '../src/pay-client.js';
import type { PayClient, PayClientOptions } from '../src/pay-client.js';
import { signV2, verifyV2 } from '../src/sign.js';
import { fromXml, toXml } from '../src/xml.js';
import { certs } from './support/certs.js';
import { delay, replyText, startFakeWeChat } from './support/fake-wechat.js';
import type { FakeWeChat, RecordedRequest } from './support/fake-wechat.js';
import { DEMO } from './support/wechat-demo.js';

type Fields = Record<string, string>;

/** The error `fn` throws (the test fails if it throws none). */
function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const BILL = readFileSync(new URL('./fixtures/bill-all.txt', import.meta.url));
const FUND_FLOW = readFileSync(new URL('./fixtures/fundflow-basic.txt', import.meta.url));
const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');
const ORDER = {
  body: 'Fen 帆布包',
  out_trade_no: 'FEN20250114101230ABCD',
  total_fee: '1990',
  spbill_create_ip: '127.0.0.1',
  notify_url: 'https://fen.example/wxpay/notify',
  trade_type: 'JSAPI',
  openid: 'oFen_demo_openid_0000000001',
};
const REFUND = {
  out_trade_no: ORDER.out_trade_no,
  out_refund_no: 'RFD1',
  total_fee: '1990',
  refund_fee: '990',
};

let wechat: FakeWeChat;
let tlsWechat: FakeWeChat;
const clients: PayClient[] = [];

/** A client of the demo merchant against the fake WeChat (HTTP) and its TLS twin (/secapi). */
function client(overrides: Partial<PayClientOptions> = {}): PayClient {
  const made = createPayClient({
    appId: DEMO.appId,
    mchId: DEMO.mchId,
    key: DEMO.key,
    baseUrl: wechat.url,
    secapiBaseUrl: tlsWechat.url,
    ca: certs.ca,
    retryDelayMs: 1,
    timeoutMs: 2000,
    ...overrides,
  });
  clients.push(made);
  return made;
}

/** WeChat's successful reply: the common fields plus `extra`, signed like the request. */
function signedReply(request: RecordedRequest, extra: Fields = {}, key: string = DEMO.key): string {
  const asked = fromXml(request.body);
  const fields: Fields = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: asked.appid!,
    mch_id: asked.mch_id!,
    nonce_str: 'replyNonce0123456789',
    result_code: 'SUCCESS',
    ...extra,
  };
  return toXml({ ...fields, sign: signV2(fields, key, asked.sign_type as 'MD5' | 'HMAC-SHA256') });
}

/** Routes `path` to answer `reply(request)` as XML. */
function serve(server: FakeWeChat, path: string, reply: (req: RecordedRequest) => string): void {
  server.route('POST', path, (req, res) => replyText(res, reply(req), 'text/xml'));
}

beforeEach(async () => {
  wechat = await startFakeWeChat();
  tlsWechat = await startFakeWeChat({
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true },
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await wechat.close();
  await tlsWechat.close();
});

describe('createPayClient requests', () => {
  it.each(['MD5', 'HMAC-SHA256'] as const)(
    'when a %s unifiedorder is sent, then the body carries the merchant, a nonce and a sign that verifies',
    async (signType) => {
      serve(wechat, '/pay/unifiedorder', (req) =>
        signedReply(req, { prepay_id: 'wx201410272009395522657a690389285100' }),
      );
      const reply = await client({ signType }).unifiedOrder(ORDER);
      expect(reply.prepay_id).toBe('wx201410272009395522657a690389285100');

      const [call] = wechat.calls('/pay/unifiedorder');
      expect(call!.headers['content-type']).toContain('text/xml');
      const sent = fromXml(call!.body);
      expect(sent).toMatchObject({
        ...ORDER,
        appid: DEMO.appId,
        mch_id: DEMO.mchId,
        sign_type: signType,
      });
      expect(sent.nonce_str).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(verifyV2(sent, DEMO.key)).toBe(true);
      expect(call!.body).not.toContain(DEMO.key);
    },
  );

  it('when orderquery, closeorder and refundquery are called, then each goes to its own path', async () => {
    serve(wechat, '/pay/orderquery', (req) => signedReply(req, { trade_state: 'NOTPAY' }));
    serve(wechat, '/pay/closeorder', (req) => signedReply(req));
    serve(wechat, '/pay/refundquery', (req) => signedReply(req, { refund_count: '1' }));
    const pay = client();
    expect((await pay.orderQuery({ out_trade_no: 'A1' })).trade_state).toBe('NOTPAY');
    await pay.closeOrder({ out_trade_no: 'A1' });
    expect((await pay.refundQuery({ out_refund_no: 'R1' })).refund_count).toBe('1');
    expect(fromXml(wechat.calls('/pay/closeorder')[0]!.body).out_trade_no).toBe('A1');
  });
});

describe('createPayClient request checks', () => {
  it('when a caller passes a field the client owns, then nothing is sent and the error names it', async () => {
    serve(wechat, '/pay/unifiedorder', (req) => signedReply(req, { prepay_id: 'wx1' }));
    const pay = client();
    for (const owned of ['appid', 'mch_id', 'sign', 'sign_type']) {
      await expect(pay.unifiedOrder({ ...ORDER, [owned]: 'x' })).rejects.toMatchObject({
        kind: 'config',
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining(owned),
      });
    }
    expect(wechat.requests).toHaveLength(0);
  });

  it.each(['19.9', '0', '-1', '1e3', ' 1990', ''])(
    'when total_fee is %j, then it is refused as not fen before anything is sent',
    async (fee) => {
      await expect(client().unifiedOrder({ ...ORDER, total_fee: fee })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(client().refund({ ...REFUND, refund_fee: fee })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect(wechat.requests).toHaveLength(0);
    },
  );

  it('when the caller gives a nonce_str, then that nonce is the one signed and sent', async () => {
    serve(wechat, '/pay/orderquery', (req) => signedReply(req, { trade_state: 'NOTPAY' }));
    const params = { out_trade_no: 'A1', nonce_str: 'callerNonce42' };
    await client().orderQuery(params);
    expect(fromXml(wechat.calls('/pay/orderquery')[0]!.body).nonce_str).toBe('callerNonce42');
    expect(params).toEqual({ out_trade_no: 'A1', nonce_str: 'callerNonce42' }); // not mutated
  });
});

describe('createPayClient replies', () => {
  it('when the reply is larger than maxReplyBytes, then it is refused unread', async () => {
    serve(wechat, '/pay/orderquery', (req) => signedReply(req, { attach: 'x'.repeat(5000) }));
    await expect(
      client({ maxReplyBytes: 1000 }).orderQuery({ out_trade_no: 'A1' }),
    ).rejects.toMatchObject({ kind: 'transport', code: 'REPLY_TOO_LARGE' });
  });

  it('when return_code is FAIL, then a protocol error carries return_msg', async () => {
    serve(wechat, '/pay/orderquery', () => toXml({ return_code: 'FAIL', return_msg: '签名错误' }));
    const error = await client()
      .orderQuery({ out_trade_no: 'A1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'protocol', code: 'RETURN_FAIL', returnMsg: '签名错误' });
  });

  it("when result_code is FAIL, then a business error carries WeChat's err_code and err_code_des", async () => {
    serve(wechat, '/pay/unifiedorder', (req) =>
      signedReply(req, {
        result_code: 'FAIL',
        err_code: 'INVALID_REQUEST',
        err_code_des: '201 商户订单号重复',
      }),
    );
    const error = await client()
      .unifiedOrder(ORDER)
      .catch((e: unknown) => e);
    expect(isWxPayError(error, 'INVALID_REQUEST')).toBe(true);
    expect(error).toMatchObject({ kind: 'business', errCodeDes: '201 商户订单号重复' });
    expect(wechat.calls('/pay/unifiedorder')).toHaveLength(1); // not a retryable code
  });

  it('when the reply is signed with another key or not signed, then it is refused as a signature error', async () => {
    serve(wechat, '/pay/orderquery', (req) =>
      signedReply(req, { trade_state: 'SUCCESS' }, 'x'.repeat(32)),
    );
    serve(wechat, '/pay/closeorder', () =>
      toXml({ return_code: 'SUCCESS', result_code: 'SUCCESS' }),
    );
    const pay = client();
    await expect(pay.orderQuery({ out_trade_no: 'A1' })).rejects.toMatchObject({
      kind: 'signature',
      code: 'REPLY_SIGN_INVALID',
    });
    await expect(pay.closeOrder({ out_trade_no: 'A1' })).rejects.toMatchObject({
      kind: 'signature',
    });
  });

  it('when the reply is not XML, then it is an xml error, not a crash', async () => {
    serve(wechat, '/pay/orderquery', () => '<html>502 Bad Gateway</html>');
    await expect(client().orderQuery({ out_trade_no: 'A1' })).rejects.toMatchObject({
      kind: 'xml',
    });
  });
});

describe('createPayClient retries', () => {
  it('when WeChat answers SYSTEMERROR once, then the identical body is sent again and its answer returned', async () => {
    let calls = 0;
    serve(wechat, '/pay/unifiedorder', (req) => {
      calls += 1;
      return calls === 1
        ? signedReply(req, {
            result_code: 'FAIL',
            err_code: 'SYSTEMERROR',
            err_code_des: '系统超时',
          })
        : signedReply(req, { prepay_id: 'wx_second' });
    });
    expect((await client({ retries: 1 }).unifiedOrder(ORDER)).prepay_id).toBe('wx_second');
    const [first, second] = wechat.calls('/pay/unifiedorder');
    expect(second!.body).toBe(first!.body); // same out_trade_no, same nonce: a re-entry
  });

  it('when WeChat answers HTTP 502 once, then the same body is sent again; an HTTP 404 is not retried', async () => {
    let calls = 0;
    wechat.route('POST', '/pay/orderquery', (req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(502).end('bad gateway');
      else replyText(res, signedReply(req, { trade_state: 'NOTPAY' }), 'text/xml');
    });
    expect((await client({ retries: 1 }).orderQuery({ out_trade_no: 'A1' })).trade_state).toBe(
      'NOTPAY',
    );
    expect(wechat.calls('/pay/orderquery')).toHaveLength(2);

    const lost = await client({ retries: 3, baseUrl: `${wechat.url}/nowhere` })
      .orderQuery({ out_trade_no: 'A1' })
      .catch((e: unknown) => e);
    expect(lost).toMatchObject({ kind: 'transport', code: 'HTTP_STATUS', httpStatus: 404 });
    expect(wechat.calls('/nowhere/pay/orderquery')).toHaveLength(1);
  });

  it('when retries is above 5, then the options are refused', () => {
    expect(catchSync(() => client({ retries: 6 }))).toMatchObject({ code: 'INVALID_OPTIONS' });
  });

  it('when every attempt times out, then it gives up after the retries with a transport TIMEOUT', async () => {
    wechat.route('POST', '/pay/orderquery', async (_req, res) => {
      await delay(300);
      res.end('<xml/>');
    });
    const error = await client({ timeoutMs: 50, retries: 2 })
      .orderQuery({ out_trade_no: 'A1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'transport', code: 'TIMEOUT' });
    expect(wechat.calls('/pay/orderquery')).toHaveLength(3);
  });

  it('when retries is 0 and the server is unreachable, then one NETWORK error', async () => {
    const pay = client({ baseUrl: 'http://127.0.0.1:9', retries: 0 });
    await expect(pay.orderQuery({ out_trade_no: 'A1' })).rejects.toMatchObject({
      kind: 'transport',
      code: 'NETWORK',
    });
  });
});

describe('createPayClient refunds over mutual TLS', () => {
  it.each([
    ['legacy PKCS#12 (as WeChat issues it) with the mch_id as password', { pfx: certs.clientP12 }],
    ['AES PKCS#12 with the mch_id as password', { pfx: certs.clientP12Aes }],
    ['PEM cert and key', { cert: certs.clientCert, key: certs.clientKey }],
  ])(
    'when the certificate is %s, then WeChat sees the merchant certificate',
    async (_name, certificate) => {
      serve(tlsWechat, '/secapi/pay/refund', (req) =>
        signedReply(req, { refund_id: '50000000382019052709732678859' }),
      );
      const reply = await client({ certificate }).refund(REFUND);
      expect(reply.refund_id).toBe('50000000382019052709732678859');
      expect(tlsWechat.calls('/secapi/pay/refund')[0]!.clientCertCn).toBe(DEMO.mchId);
    },
  );

  it('when no certificate is configured, then refund fails before sending anything', async () => {
    await expect(client().refund(REFUND)).rejects.toMatchObject({
      kind: 'config',
      code: 'CERTIFICATE_REQUIRED',
    });
    expect(tlsWechat.requests).toHaveLength(0);
  });

  it('when the PKCS#12 password is wrong, then creating the client fails naming the mch_id convention', () => {
    const error = catchSync(() =>
      client({ certificate: { pfx: certs.clientP12, passphrase: 'wrong' } }),
    );
    expect(error).toMatchObject({ kind: 'config', code: 'INVALID_OPTIONS' });
    expect((error as Error).message).toMatch(/password, by default the mch_id/);
  });

  it('when the PEM key belongs to another certificate, then creating the client fails saying so', () => {
    const error = catchSync(() =>
      client({ certificate: { cert: certs.clientCert, key: certs.rogueKey } }),
    );
    expect((error as Error).message).toMatch(/PEM key does not belong to the PEM certificate/);
  });

  it('when the certificate comes from an unknown CA, then the TLS handshake is refused as a transport error', async () => {
    serve(tlsWechat, '/secapi/pay/refund', (req) => signedReply(req));
    const pay = client({ certificate: { cert: certs.rogueCert, key: certs.rogueKey }, retries: 0 });
    await expect(pay.refund(REFUND)).rejects.toMatchObject({ kind: 'transport' });
  });
});

describe('createPayClient downloadBill', () => {
  it('when the bill is returned, then it is parsed into rows keyed by the bill columns', async () => {
    wechat.route('POST', '/pay/downloadbill', (_req, res) => replyText(res, BILL));
    const bill = await client().downloadBill({ bill_date: '20250114' });
    expect(bill.rows).toHaveLength(3);
    expect(bill.rows[2]).toMatchObject({
      商户订单号: 'FEN20250114210540IJKL',
      商品名称: '茶杯, 大号',
    });
    expect(bill.summary.总交易单数).toBe('3');
    expect(fromXml(wechat.calls('/pay/downloadbill')[0]!.body)).toMatchObject({
      bill_date: '20250114',
      bill_type: 'ALL',
    });
  });

  it('when tar_type is GZIP, then the gzip reply is unpacked first', async () => {
    wechat.route('POST', '/pay/downloadbill', (_req, res) =>
      replyText(res, gzipSync(BILL), 'application/octet-stream'),
    );
    const bill = await client().downloadBill({ bill_date: '20250114', tar_type: 'GZIP' });
    expect(bill.rows.map((row) => row.交易状态)).toEqual(['SUCCESS', 'REFUND', 'SUCCESS']);
  });

  it('when there is no bill, then the XML failure becomes a protocol error with its return_msg', async () => {
    serve(wechat, '/pay/downloadbill', () =>
      toXml({ return_code: 'FAIL', return_msg: 'No Bill Exist', error_code: '20002' }),
    );
    await expect(client().downloadBill({ bill_date: '20250114' })).rejects.toMatchObject({
      kind: 'protocol',
      code: 'BILL_NOT_FOUND',
      returnMsg: 'No Bill Exist',
    });
  });
});

describe('createPayClient downloadFundFlow', () => {
  const pem = { certificate: { cert: certs.clientCert, key: certs.clientKey } };
  const serveFundFlow = (body: Buffer, digest?: string) =>
    tlsWechat.route('POST', '/pay/downloadfundflow', (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        ...(digest ? { digest } : {}),
      });
      res.end(body);
    });

  it('when an MD5 client asks, then the request is HMAC-SHA256 over mutual TLS and the Digest is checked', async () => {
    serveFundFlow(FUND_FLOW, `SHA=${sha1(FUND_FLOW)}`);
    const bill = await client(pem).downloadFundFlow({
      bill_date: '20180201',
      account_type: 'Basic',
    });
    expect(bill.rows[0]).toMatchObject({ 业务类型: '退款', '收支金额(元)': '0.02' });
    const call = tlsWechat.calls('/pay/downloadfundflow')[0]!;
    expect(call.clientCertCn).toBe(DEMO.mchId);
    const sent = fromXml(call.body);
    expect(sent).toMatchObject({ sign_type: 'HMAC-SHA256', account_type: 'Basic' });
    expect(verifyV2(sent, DEMO.key, 'HMAC-SHA256')).toBe(true);
  });

  it('when the bill is gzipped, then a Digest of the text or of the gzip bytes is accepted', async () => {
    const zipped = gzipSync(FUND_FLOW);
    for (const digest of [sha1(FUND_FLOW), sha1(zipped)]) {
      serveFundFlow(zipped, `SHA=${digest}`);
      const bill = await client(pem).downloadFundFlow({
        bill_date: '20180201',
        account_type: 'Basic',
        tar_type: 'GZIP',
      });
      expect(bill.summary.资金流水总笔数).toBe('20.0');
    }
  });

  it('when the Digest does not match, then BILL_DIGEST_MISMATCH', async () => {
    serveFundFlow(FUND_FLOW, `SHA=${sha1(Buffer.from('another bill'))}`);
    await expect(
      client(pem).downloadFundFlow({ bill_date: '20180201', account_type: 'Basic' }),
    ).rejects.toMatchObject({ kind: 'signature', code: 'BILL_DIGEST_MISMATCH' });
  });

  it('when there is no certificate, then nothing is sent', async () => {
    await expect(
      client().downloadFundFlow({ bill_date: '20180201', account_type: 'Basic' }),
    ).rejects.toMatchObject({ code: 'CERTIFICATE_REQUIRED' });
    expect(tlsWechat.calls('/pay/downloadfundflow')).toEqual([]);
  });
});

describe('createPayClient options', () => {
  const WRONG_KEY = 'secret-but-31-characters-long!!';

  it('when several options are wrong, then one config error names each, never the key', () => {
    let message = '';
    try {
      client({ appId: 'nope', mchId: 'abc', key: WRONG_KEY, baseUrl: 'ftp://x', timeoutMs: 0 });
    } catch (err) {
      expect(isWxPayError(err, 'INVALID_OPTIONS')).toBe(true);
      message = (err as Error).message;
    }
    for (const part of [
      'appId',
      'mchId',
      'key must be the 32-character APIv2 key',
      'baseUrl',
      'timeoutMs',
    ]) {
      expect(message).toContain(part);
    }
    expect(message).not.toContain(WRONG_KEY);
  });
});
