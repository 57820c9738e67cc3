import { createSandbox } from '@fen/wx-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSuccessReply, postNotification, refundNotification } from './helpers/notifications.js';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import { DEMO, call, eventually, startFenServer } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// APIv2's refund req_info is AES-ECB, which carries no integrity: blocks of genuine
// notifications can be rearranged into a well-formed one that WeChat never sent. So a refund's
// outcome is what refundquery says, never what the notification says.
let sandbox: Sandbox;
let server: ServerUnderTest;
let token: string;

beforeAll(async () => {
  // Refunds stay PROCESSING at WeChat for 1000 s (10⁶ s × 0.001) during this test.
  sandbox = await createSandbox({ timeScale: 0.001, refundDelaySeconds: 1_000_000 });
  server = await startFenServer(sandbox);
  const { code } = await control(sandbox).loginCode('refund-confirm');
  token = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
}, 30_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

describe('refund notifications are confirmed with refundquery', () => {
  it('when a well-formed notification says SUCCESS but WeChat still has the refund PROCESSING, then nothing is refunded', async () => {
    const { order, payParams } = (
      await call(`${server.url}/api/orders`, {
        token,
        body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
      })
    ).body;
    await control(sandbox).pay(prepayIdOf(payParams));
    const paid = await eventually(
      async () => {
        const res = await call(`${server.url}/api/orders/${order.id}`, { token });
        return res.body.order.status === 'PAID' ? res.body.order : undefined;
      },
      5000,
      'PAID',
    );
    const refund = await call(`${server.url}/admin/orders/${order.id}/refunds`, {
      token: DEMO.adminToken,
      body: { amountFen: 990 },
      headers: { 'idempotency-key': 'refund-confirm-1' },
    });
    expect(refund.status).toBe(201);
    const { outRefundNo } = refund.body.refund;

    // Decrypts with the merchant key and matches our refund in every field we check.
    const lookalike = refundNotification({
      transaction_id: paid.transactionId,
      out_trade_no: order.outTradeNo,
      refund_id: '50300000000000000000000000001',
      out_refund_no: outRefundNo,
      total_fee: '990',
      refund_fee: '990',
      settlement_refund_fee: '990',
      refund_status: 'SUCCESS',
      success_time: '2025-11-22 12:00:00',
    });
    const reply = await postNotification(`${server.url}/wxpay/refund-notify`, lookalike);
    expect(isSuccessReply(reply.text)).toBe(true); // handled: nothing for WeChat to resend

    const admin = await call(`${server.url}/admin/orders/${order.id}`, { token: DEMO.adminToken });
    expect(admin.body.order).toMatchObject({ status: 'PAID', refundedFen: 0 });
    expect(admin.body.order.refunds).toMatchObject([{ outRefundNo, status: 'PROCESSING' }]);
  });
});
