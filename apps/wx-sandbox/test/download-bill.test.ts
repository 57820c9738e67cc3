import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { cert, postPay, send } from './support/http.js';
import { paidOrder, createOrder, tradeNo } from './support/orders.js';
import { parseTestXml, signed, testXml } from './support/wire.js';

let sandbox: Sandbox;
let today: string;
const bill = (fields: Record<string, string>) =>
  send(`${sandbox.url}/pay/downloadbill`, { body: testXml(signed(fields)) });

beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001, refundDelaySeconds: 1 });
  const paid = await paidOrder(sandbox, { body: '茶杯, 大号', attach: 'gift=1,wrap=0' });
  await paidOrder(sandbox, { total_fee: '990' });
  await createOrder(sandbox); // unpaid: not in the bill
  await postPay(
    `${sandbox.tlsUrl}/secapi/pay/refund`,
    signed({
      out_trade_no: paid.fields.out_trade_no!,
      out_refund_no: tradeNo('R'),
      total_fee: '1990',
      refund_fee: '1990',
    }),
    { cert: cert('apiclient_cert.pem'), key: cert('apiclient_key.pem') },
  );
  await new Promise((r) => setTimeout(r, 30)); // the refund succeeds after 1 s × 0.001
  const paidAt = Date.parse(sandbox.orders().find((o) => o.paid_at)!.paid_at!);
  today = new Date(paidAt + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, ''); // Beijing day
});
afterAll(() => sandbox.close());

describe('POST /pay/downloadbill', () => {
  it('when the day is not over, then No Bill Exist', async () => {
    const early = parseTestXml((await bill({ bill_date: today })).text);
    expect(early).toMatchObject({
      return_code: 'FAIL',
      return_msg: 'No Bill Exist',
      error_code: '20002',
    });
    expect(early.sign).toBeUndefined();
  });

  it("when the bill of a finished day is downloaded, then it is WeChat's text: BOM, backticks, summary, yuan", async () => {
    sandbox.advanceClock(34 * 3600); // at least 10:00 the next day, Beijing time (the ready hour)
    const res = await bill({ bill_date: today, bill_type: 'ALL' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect([...res.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = res.text.slice(1).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
    );
    const details = lines.slice(1, -2);
    expect(details).toHaveLength(3);
    for (const row of details) {
      const cells = row.slice(1).split(',`');
      expect(row.startsWith('`')).toBe(true);
      expect(cells).toHaveLength(27);
    }
    const rows = details.map((row) => row.slice(1).split(',`'));
    const payment = rows.find((c) => c[9] === 'SUCCESS' && c[24] === '19.90')!;
    expect(payment[20]).toBe('茶杯, 大号');
    expect(payment[21]).toBe('gift=1,wrap=0');
    expect(payment[22]).toBe('0.12000');
    expect(payment[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const refundRow = rows.find((c) => c[9] === 'REFUND')!;
    expect(refundRow.slice(12, 14)).toEqual(['0.00', '0.00']);
    expect(refundRow[16]).toBe('19.90');
    expect(refundRow[18]).toBe('ORIGINAL');
    expect(refundRow[19]).toBe('SUCCESS');
    expect(refundRow[22]).toBe('-0.12000');
    expect(lines.at(-2)).toBe(
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    );
    // 19.90 + 9.90 paid, 19.90 refunded; fees 0.12 + 0.06 − 0.12
    expect(lines.at(-1)).toBe('`3,`29.80,`19.90,`0.00,`0.06000,`29.80,`19.90');
  });

  it('when bill_type is SUCCESS or REFUND, then only those rows with their own headers; GZIP compresses', async () => {
    const success = (await bill({ bill_date: today, bill_type: 'SUCCESS' })).text.split('\r\n');
    expect(success[0]).toContain('商品名称,商户数据包,手续费,费率,订单金额,费率备注');
    expect(success.filter((l) => l.startsWith('`') && l.includes('`SUCCESS'))).toHaveLength(2);
    const refund = (await bill({ bill_date: today, bill_type: 'REFUND' })).text.split('\r\n');
    expect(refund[0]).toContain('退款申请时间,退款成功时间');
    expect(refund.at(-2)).toBe('`1,`0.00,`19.90,`0.00,`-0.12000,`0.00,`19.90');
    const zipped = await bill({ bill_date: today, tar_type: 'GZIP' });
    expect(gunzipSync(zipped.body).toString('utf8')).toBe((await bill({ bill_date: today })).text);
  });

  it("when the request is wrong, then downloadbill's own XML failures come back", async () => {
    expect(
      parseTestXml((await bill({ bill_date: today, bill_type: 'NOPE' })).text).return_msg,
    ).toBe('invalid bill_type');
    expect(parseTestXml((await bill({})).text).return_msg).toBe('missing parameter');
    expect(parseTestXml((await bill({ bill_date: '20250231' })).text).return_msg).toBe(
      'invalid bill_date',
    );
    expect(parseTestXml((await bill({ bill_date: '20200101' })).text).return_msg).toBe(
      'No Bill Exist',
    );
    const forged = await send(`${sandbox.url}/pay/downloadbill`, {
      body: testXml({ ...signed({ bill_date: today }), sign: 'F'.repeat(32) }),
    });
    expect(parseTestXml(forged.text)).toMatchObject({
      return_code: 'FAIL',
      return_msg: 'SIGN ERROR',
    });
  });
});
