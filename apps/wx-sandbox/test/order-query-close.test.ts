import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { postPay } from './support/http.js';
import { createOrder, paidOrder } from './support/orders.js';
import { replySignOk, signed } from './support/wire.js';

let sandbox: Sandbox;
const query = (fields: Record<string, string>, type: 'MD5' | 'HMAC-SHA256' = 'MD5') =>
  postPay(`${sandbox.url}/pay/orderquery`, signed(fields, type)).then((r) => r.reply);
const close = (outTradeNo: string) =>
  postPay(`${sandbox.url}/pay/closeorder`, signed({ out_trade_no: outTradeNo })).then(
    (r) => r.reply,
  );

beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(() => sandbox.close());

describe('POST /pay/orderquery', () => {
  it('when the order is unpaid, then NOTPAY with only the number, amount and state', async () => {
    const { fields } = await createOrder(sandbox, { attach: 'a=1' });
    const reply = await query({ out_trade_no: fields.out_trade_no! });
    expect(reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      out_trade_no: fields.out_trade_no,
      total_fee: '1990',
      trade_state: 'NOTPAY',
      trade_state_desc: '订单未支付',
    });
    expect(reply.transaction_id).toBeUndefined();
    expect(replySignOk(reply)).toBe(true);
  });

  it('when the order is paid, then SUCCESS with transaction_id, time_end, bank_type, openid; by transaction_id too', async () => {
    const { fields, transactionId } = await paidOrder(sandbox, {}, 'HMAC-SHA256');
    const reply = await query({ out_trade_no: fields.out_trade_no! }, 'HMAC-SHA256');
    expect(reply).toMatchObject({
      trade_state: 'SUCCESS',
      transaction_id: transactionId,
      openid: fields.openid,
      trade_type: 'JSAPI',
      bank_type: 'OTHERS',
      cash_fee: '1990',
      fee_type: 'CNY',
      is_subscribe: 'N',
    });
    expect(reply.time_end).toMatch(/^\d{14}$/);
    expect(replySignOk(reply, 'HMAC-SHA256')).toBe(true);
    expect((await query({ transaction_id: transactionId })).out_trade_no).toBe(fields.out_trade_no);
  });

  it('when the payer cancels or lacks funds, then the order stays NOTPAY and can still be paid', async () => {
    const { fields, reply } = await createOrder(sandbox);
    expect(sandbox.pay(reply.prepay_id!, 'cancel').trade_state).toBe('NOTPAY');
    expect(sandbox.pay(reply.prepay_id!, 'insufficient_funds').trade_state).toBe('NOTPAY');
    expect((await query({ out_trade_no: fields.out_trade_no! })).trade_state).toBe('NOTPAY');
    expect(sandbox.pay(reply.prepay_id!, 'success').trade_state).toBe('SUCCESS');
    expect(() => sandbox.pay(reply.prepay_id!, 'success')).toThrow(/ORDER_PAID/);
  });

  it('when the order does not exist or nothing names it, then ORDERNOTEXIST / LACK_PARAMS', async () => {
    expect(await query({ out_trade_no: 'NOPE0001' })).toMatchObject({
      result_code: 'FAIL',
      err_code: 'ORDERNOTEXIST',
    });
    expect(await query({ transaction_id: '4200000000000000000000000000' })).toMatchObject({
      err_code: 'ORDERNOTEXIST',
    });
    expect(await query({})).toMatchObject({ err_code: 'LACK_PARAMS' });
  });
});

describe('POST /pay/closeorder', () => {
  it('when an unpaid order is closed, then it is CLOSED, cannot be paid, and closing again says ORDERCLOSED', async () => {
    const { fields, reply } = await createOrder(sandbox);
    const closed = await close(fields.out_trade_no!);
    expect(closed).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(replySignOk(closed)).toBe(true);
    expect((await query({ out_trade_no: fields.out_trade_no! })).trade_state).toBe('CLOSED');
    expect(() => sandbox.pay(reply.prepay_id!)).toThrow(/ORDER_CLOSED/);
    expect(await close(fields.out_trade_no!)).toMatchObject({
      result_code: 'FAIL',
      err_code: 'ORDERCLOSED',
    });
  });

  it('when the order is paid or unknown, then ORDERPAID / ORDERNOTEXIST', async () => {
    const { fields } = await paidOrder(sandbox);
    expect(await close(fields.out_trade_no!)).toMatchObject({ err_code: 'ORDERPAID' });
    expect(await close('NOPE0002')).toMatchObject({ err_code: 'ORDERNOTEXIST' });
  });
});
