import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { cert, json, postPay, send } from './support/http.js';
import { paidOrder, tradeNo } from './support/orders.js';
import { parseTestXml, signed, testXml } from './support/wire.js';

// Bills of one Beijing day, on the sandbox clock: ready hour, the refund snapshot, the billRows
// fault and the fund-flow bill (downloadbill's own format is in download-bill.test.ts).
let sandbox: Sandbox;
let day: string; // yyyyMMdd, the Beijing day of the payments
let first: Awaited<ReturnType<typeof paidOrder>>;
let second: Awaited<ReturnType<typeof paidOrder>>;
let outRefundNo: string;
const merchantTls = { cert: cert('apiclient_cert.pem'), key: cert('apiclient_key.pem') };

const beijing = (ms: number) => new Date(ms + 8 * 3600_000);
/** Moves the sandbox clock to hh:mm (Beijing) on the day after the payments. */
function toNextDay(hour: number, minute = 0) {
  const now = sandbox.now().getTime();
  const target =
    Date.UTC(+day.slice(0, 4), +day.slice(4, 6) - 1, +day.slice(6, 8) + 1, hour, minute) -
    8 * 3600_000;
  if (target > now) sandbox.advanceClock((target - now) / 1000);
}
const bill = (fields: Record<string, string>) =>
  send(`${sandbox.url}/pay/downloadbill`, { body: testXml(signed(fields)) });
const fundFlow = (fields: Record<string, string>, type: 'MD5' | 'HMAC-SHA256' = 'HMAC-SHA256') =>
  send(`${sandbox.tlsUrl}/pay/downloadfundflow`, {
    body: testXml(signed(fields, type)),
    tls: merchantTls,
  });
const lines = (text: string) =>
  text
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean);
const cells = (line: string) => line.slice(1).split(',`');

beforeAll(async () => {
  // Refunds stay PROCESSING for the whole test (1000 s of real time).
  sandbox = await createSandbox({ timeScale: 1, refundDelaySeconds: 1000 });
  // Start at 12:00 Beijing of a day, so every payment lands on that day.
  const now = sandbox.now().getTime();
  const bj = beijing(now);
  const noon =
    Date.UTC(bj.getUTCFullYear(), bj.getUTCMonth(), bj.getUTCDate() + 1, 12) - 8 * 3600_000;
  sandbox.advanceClock((noon - now) / 1000);
  day = beijing(sandbox.now().getTime()).toISOString().slice(0, 10).replace(/-/g, '');
  first = await paidOrder(sandbox, { total_fee: '1990' });
  second = await paidOrder(sandbox, { total_fee: '500' });
  outRefundNo = tradeNo('R');
  const { reply } = await postPay(
    `${sandbox.tlsUrl}/secapi/pay/refund`,
    signed({
      out_trade_no: first.fields.out_trade_no!,
      out_refund_no: outRefundNo,
      total_fee: '1990',
      refund_fee: '990',
    }),
    merchantTls,
  );
  expect(reply.result_code).toBe('SUCCESS');
});
afterAll(() => sandbox.close());

describe('bill availability (Beijing time, sandbox clock)', () => {
  it('when it is 09:59 the next day, then Bill Creating; from 10:00 the bill exists', async () => {
    toNextDay(9, 59);
    expect(parseTestXml((await bill({ bill_date: day })).text)).toMatchObject({
      return_code: 'FAIL',
      return_msg: 'Bill Creating',
    });
    const fund = parseTestXml((await fundFlow({ bill_date: day, account_type: 'Basic' })).text);
    expect(fund).toMatchObject({ return_msg: 'Bill Creating', err_code: 'BILL_CREATING' });
    expect(fund.sign).toBeUndefined();
    toNextDay(10);
    const ready = await bill({ bill_date: day });
    expect(ready.status).toBe(200);
    expect(ready.text.startsWith('\uFEFF交易时间,')).toBe(true);
  });

  it('when a day had no trade, or is older than 3 months, then No Bill Exist (20002)', async () => {
    const before = beijing(sandbox.now().getTime() - 3 * 86_400_000);
    const empty = before.toISOString().slice(0, 10).replace(/-/g, '');
    expect(parseTestXml((await bill({ bill_date: empty })).text)).toMatchObject({
      return_msg: 'No Bill Exist',
      error_code: '20002',
    });
    expect(parseTestXml((await bill({ bill_date: '20200101' })).text).return_msg).toBe(
      'No Bill Exist',
    );
  });
});

describe('trade bill content', () => {
  it('when a refund is still PROCESSING when the bill is made, then its REFUND row says so, on its acceptance day', async () => {
    toNextDay(10);
    const all = lines((await bill({ bill_date: day, bill_type: 'ALL' })).text);
    const refund = all.map(cells).find((c) => c[9] === 'REFUND')!;
    expect(refund.slice(14, 20)).toEqual([
      expect.stringMatching(/^\d+$/),
      outRefundNo,
      '9.90',
      '0.00',
      'ORIGINAL',
      'PROCESSING',
    ]);
    const refundBill = lines((await bill({ bill_date: day, bill_type: 'REFUND' })).text);
    const row = cells(refundBill[1]!);
    expect(row[14]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/); // 退款申请时间
    expect(row[15]).toBe(''); // 退款成功时间: not yet
    // A bill is a snapshot: the same day downloads byte for byte the same.
    expect((await bill({ bill_date: day })).text).toBe((await bill({ bill_date: day })).text);
  });

  it('when billRows omits a payment and changes a refund amount, then only the bill differs and its summary adds up what is printed', async () => {
    toNextDay(10);
    sandbox.setFaults({
      billRows: { omit: [second.fields.out_trade_no!], amountFen: { [outRefundNo]: 1001 } },
    });
    try {
      const all = lines((await bill({ bill_date: day })).text);
      const rows = all.slice(1, -2).map(cells);
      expect(rows.map((c) => c[6])).toEqual([first.fields.out_trade_no, first.fields.out_trade_no]);
      const refund = rows.find((c) => c[9] === 'REFUND')!;
      expect([refund[16], refund[25], refund[22]]).toEqual(['10.01', '10.01', '-0.06000']);
      // 19.90 paid (fee 0.12), 10.01 refunded (fee −0.06)
      expect(all.at(-1)).toBe('`2,`19.90,`10.01,`0.00,`0.06000,`19.90,`10.01');
      // The order itself is unchanged.
      const query = await postPay(
        `${sandbox.url}/pay/orderquery`,
        signed({ out_trade_no: second.fields.out_trade_no! }),
      );
      expect(query.reply.trade_state).toBe('SUCCESS');
    } finally {
      sandbox.clearFaults();
    }
    const restored = lines((await bill({ bill_date: day })).text);
    expect(restored.at(-1)).toBe('`3,`24.90,`9.90,`0.00,`0.09000,`24.90,`9.90');
  });

  it('when billRows is malformed, then PUT /__sandbox/faults refuses it with every problem', async () => {
    const reply = await json(
      `${sandbox.url}/__sandbox/faults`,
      { billRows: { omit: 'x', amountFen: { a: -1 }, drop: true } },
      'PUT',
    );
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain('billRows.omit');
    expect(JSON.stringify(reply.body)).toContain('billRows.amountFen');
    expect(JSON.stringify(reply.body)).toContain('billRows: unknown drop');
  });
});

describe('POST /pay/downloadfundflow', () => {
  it('when the basic account is asked, then income, fee, refund and returned-fee rows with a running balance, a summary, and a Digest', async () => {
    toNextDay(10);
    const res = await fundFlow({ bill_date: day, account_type: 'Basic' });
    expect(res.status).toBe(200);
    expect([...res.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(res.headers.digest).toBe(`SHA=${createHash('sha1').update(res.body).digest('hex')}`);
    const all = lines(res.text);
    expect(all[0]).toBe(
      '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号',
    );
    const rows = all.slice(1, -2).map(cells);
    expect(rows.map((c) => [c[1], c[4], c[5], c[6], c[7]])).toEqual([
      [first.transactionId, '交易', '收入', '19.90', '19.90'],
      [first.transactionId, '扣除交易手续费', '支出', '0.12', '19.78'],
      [second.transactionId, '交易', '收入', '5.00', '24.78'],
      [second.transactionId, '扣除交易手续费', '支出', '0.03', '24.75'],
      [expect.stringMatching(/^\d+$/), '退款', '支出', '9.90', '14.85'],
      [expect.stringMatching(/^\d+$/), '退还交易手续费', '收入', '0.06', '14.91'],
    ]);
    for (const c of rows) expect(c[2]).toMatch(new RegExp(`^1900000109${day}\\d{10}$`));
    expect(rows[4]![10]).toBe(`REF${first.transactionId}`);
    expect(all.at(-2)).toBe('资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额');
    expect(all.at(-1)).toBe('`6.0,`3.0,`24.96,`3.0,`10.05');
    const zipped = await fundFlow({ bill_date: day, account_type: 'Basic', tar_type: 'GZIP' });
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(res.text);
  });

  it('when the operation or fees account is asked, then No Bill Exist: those accounts never move here', async () => {
    toNextDay(10);
    for (const account of ['Operation', 'Fees']) {
      const reply = parseTestXml((await fundFlow({ bill_date: day, account_type: account })).text);
      expect(reply).toMatchObject({ return_code: 'FAIL', err_code: 'NO_BILL_EXIST' });
    }
  });

  it('when billRows names a payment, then its income and fee rows are left out too', async () => {
    toNextDay(10);
    sandbox.setFaults({ billRows: { omit: [second.fields.out_trade_no!] } });
    try {
      const all = lines((await fundFlow({ bill_date: day, account_type: 'Basic' })).text);
      expect(all.at(-1)).toBe('`4.0,`2.0,`19.96,`2.0,`10.02');
    } finally {
      sandbox.clearFaults();
    }
  });

  it('when the request is MD5-signed, has no client certificate, or bad fields, then it is refused', async () => {
    toNextDay(10);
    const md5 = parseTestXml(
      (await fundFlow({ bill_date: day, account_type: 'Basic' }, 'MD5')).text,
    );
    expect(md5).toMatchObject({ return_code: 'FAIL', err_code: 'PARAM_ERROR' });
    const noCert = await send(`${sandbox.tlsUrl}/pay/downloadfundflow`, {
      body: testXml(signed({ bill_date: day, account_type: 'Basic' }, 'HMAC-SHA256')),
    });
    expect(parseTestXml(noCert.text).return_code).toBe('FAIL');
    expect(noCert.text).not.toContain('交易');
    const plain = await send(`${sandbox.url}/pay/downloadfundflow`, {
      body: testXml(signed({ bill_date: day, account_type: 'Basic' }, 'HMAC-SHA256')),
    });
    expect(parseTestXml(plain.text).return_code).toBe('FAIL');
    for (const fields of [
      { bill_date: day, account_type: 'basic' },
      { bill_date: day },
      { bill_date: '2026-01-01', account_type: 'Basic' },
      { bill_date: day, account_type: 'Basic', tar_type: 'ZIP' },
    ] as Array<Record<string, string>>) {
      const reply = parseTestXml((await fundFlow(fields)).text);
      expect(reply, JSON.stringify(fields)).toMatchObject({
        return_code: 'FAIL',
        err_code: 'PARAM_ERROR',
      });
    }
  });
});
