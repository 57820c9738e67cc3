import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../src/core.js';
import type { SandboxCore } from '../src/core.js';
import { DEMO_MERCHANT, resolveOptions } from '../src/options.js';
import { requestRefund } from '../src/refund-rule.js';
import type { RefundApplication } from '../src/refund-rule.js';
import type { Order, Refund } from '../src/state/orders.js';

// The rule on the sandbox's in-memory core, without a listener: each case runs in milliseconds.
let core: SandboxCore;
let sent: { outRefundNo: string; notifyUrl: string }[];
let counter = 0;

function newCore(refundDelaySeconds = 100, merchant: { refundNotifyUrl?: string } = {}) {
  const resolved = resolveOptions({
    timeScale: 0.001,
    refundDelaySeconds,
    merchants: [{ ...DEMO_MERCHANT, ...merchant }],
  });
  core = createCore(resolved, {});
  sent = [];
}
afterEach(() => core.timers.close());

/** An order of `totalFee` fen, straight into the store; paid unless told otherwise. */
function paidOrder(totalFee = 1000, paid = true): Order {
  const n = counter++;
  const order: Order = {
    mchId: DEMO_MERCHANT.mchId,
    appId: DEMO_MERCHANT.appId,
    outTradeNo: `RULE${n}`,
    tradeType: 'JSAPI',
    totalFee,
    body: 'Fen 帆布包',
    notifyUrl: 'http://127.0.0.1:9/notify',
    signType: 'MD5',
    fields: {},
    fingerprint: '',
    prepayId: `wx-rule-${n}`,
    prepayIssuedAt: 0,
    createdAt: 0,
    state: 'NOTPAY',
    payAttempts: [],
    refunds: [],
  };
  core.orders.add(order);
  if (paid) core.orders.markPaid(order, `42${String(n).padStart(26, '0')}`, 'OTHERS');
  return order;
}

function apply(order: Order, overrides: Partial<RefundApplication> = {}) {
  return requestRefund(core, {
    mchId: order.mchId,
    outTradeNo: order.outTradeNo,
    outRefundNo: `R${counter++}`,
    totalFee: order.totalFee,
    refundFee: 1,
    refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
    notify: (_order: Order, refund: Refund, notifyUrl: string) =>
      sent.push({ outRefundNo: refund.outRefundNo, notifyUrl }),
    ...overrides,
  });
}
const reason = (decision: ReturnType<typeof requestRefund>) =>
  decision.kind === 'refused' ? decision.reason : 'refund';

describe('the refund rule both APIs share', () => {
  it('when partial refunds add up to the total, then each is accepted and one more fen is refused', () => {
    newCore();
    const order = paidOrder(1000);
    expect(reason(apply(order, { refundFee: 600 }))).toBe('refund');
    expect(reason(apply(order, { refundFee: 401 }))).toBe('EXCEEDS_REFUNDABLE');
    expect(reason(apply(order, { refundFee: 400 }))).toBe('refund');
    expect(reason(apply(order, { refundFee: 1 }))).toBe('FULLY_REFUNDED');
    expect(order.state).toBe('REFUND');
    expect(order.refunds.map((r) => [r.refundFee, r.status])).toEqual([
      [600, 'PROCESSING'],
      [400, 'PROCESSING'],
    ]);
  });

  it('when an out_refund_no comes again, then the same refund; with other amounts, CHANGED_RETRY', () => {
    newCore();
    const order = paidOrder(1000);
    const first = apply(order, { outRefundNo: 'SAME1', refundFee: 300 });
    const again = apply(order, { outRefundNo: 'SAME1', refundFee: 300 });
    expect(first.kind === 'refund' && again.kind === 'refund').toBe(true);
    if (first.kind === 'refund' && again.kind === 'refund') expect(again.refund).toBe(first.refund);
    expect(reason(apply(order, { outRefundNo: 'SAME1', refundFee: 301 }))).toBe('CHANGED_RETRY');
    expect(order.refunds).toHaveLength(1);
  });

  it('when an order has 50 refunds, then the 51st is refused though money is left', () => {
    newCore();
    const order = paidOrder(1000);
    for (let i = 0; i < 50; i++) expect(reason(apply(order))).toBe('refund');
    expect(reason(apply(order))).toBe('TOO_MANY_REFUNDS');
  });

  it('when the order is unknown, unpaid or under another appid, then ORDER_NOT_FOUND', () => {
    newCore();
    const order = paidOrder();
    expect(reason(apply(order, { outTradeNo: 'NOPE' }))).toBe('ORDER_NOT_FOUND');
    expect(reason(apply(order, { appId: 'wx0000000000000000' }))).toBe('ORDER_NOT_FOUND');
    const unpaid = paidOrder(1000, false);
    expect(reason(apply(unpaid))).toBe('ORDER_NOT_FOUND');
  });

  it('when a field is malformed, then the refusal names it, before any order is looked up', () => {
    newCore();
    const order = paidOrder(1000);
    const cases: [Partial<RefundApplication>, string][] = [
      [{ outTradeNo: undefined }, 'NO_ORDER_REFERENCE'],
      [{ transactionId: '42' }, 'TRANSACTION_ID_MALFORMED'],
      [{ outRefundNo: 'R 1' }, 'OUT_REFUND_NO_MALFORMED'],
      [{ refundFee: 1.5 }, 'REFUND_FEE_MALFORMED'],
      [{ totalFee: Number.NaN }, 'TOTAL_FEE_MALFORMED'],
      [{ totalFee: 999 }, 'TOTAL_FEE_MISMATCH'],
      [{ notifyUrl: 'ftp://127.0.0.1/x' }, 'NOTIFY_URL_MALFORMED'],
    ];
    for (const [overrides, expected] of cases)
      expect([overrides, reason(apply(order, overrides))]).toEqual([overrides, expected]);
    expect(order.refunds).toHaveLength(0);
  });

  it('when a refund settles, then it is SUCCESS and its notification goes to the request URL, else the merchant one', async () => {
    newCore(1, { refundNotifyUrl: 'https://merchant.example/refund' });
    const order = paidOrder(1000);
    apply(order, { outRefundNo: 'OWN1', notifyUrl: 'https://shop.example/refund' });
    apply(order, { outRefundNo: 'PLATFORM1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order.refunds.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sent).toEqual([
      { outRefundNo: 'OWN1', notifyUrl: 'https://shop.example/refund' },
      { outRefundNo: 'PLATFORM1', notifyUrl: 'https://merchant.example/refund' },
    ]);
  });
});
