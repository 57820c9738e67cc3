import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { DEMO_CERTS_DIR } from '@fen/wx-sandbox';
import { describe, expect, it } from 'vitest';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import { DEMO, call, eventually, useFenStack } from './helpers/stack.js';
import type { FenStack } from './helpers/stack.js';

// The merchant certificate as WeChat hands it over: apiclient_cert.p12 in the legacy PKCS#12
// format (RC2-40 certificates, 3DES key, SHA-1 MAC, password = mch_id), which Node 20's OpenSSL 3
// refuses. The stack's server is configured with exactly that file (WXPAY_CERT_P12_PATH, as in
// .env.example) and must refund with it: over mutual TLS (APIv2 /secapi) and, in APIv3, with the
// private key read out of it signing every request.

const P12 = readFileSync(fileURLToPath(new URL('apiclient_cert.p12', DEMO_CERTS_DIR)));
/** The DER of the OID pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6). */
const RC2_40_OID = Buffer.from('2a864886f70d010c0106', 'hex');

it("the configured .p12 is WeChat's legacy format, which Node's TLS cannot open by itself", () => {
  expect(P12.includes(RC2_40_OID)).toBe(true);
  expect(() => createSecureContext({ pfx: P12, passphrase: DEMO.mchId })).toThrow(
    /Unsupported PKCS12 PFX data/,
  );
});

/** Pays an order through the sandbox, refunds it in full as an operator, waits for REFUNDED. */
async function payAndRefund(stack: FenStack): Promise<void> {
  const { server, sandbox } = stack;
  const wechat = control(sandbox);
  const { code } = await wechat.loginCode(`p12-${randomUUID()}`);
  const token = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
  const created = await call(`${server.url}/api/orders`, {
    token,
    body: { items: [{ productId: 'mooncake-box', quantity: 1 }] },
  });
  expect(created.status).toBe(201);
  const { order, payParams } = created.body;
  await wechat.pay(prepayIdOf(payParams));
  const adminOrder = async () =>
    (await call(`${server.url}/admin/orders/${order.id}`, { token: DEMO.adminToken })).body.order;
  await eventually(
    async () => ((await adminOrder()).status === 'PAID' ? true : undefined),
    5000,
    'PAID',
  );

  const refund = await call(`${server.url}/admin/orders/${order.id}/refunds`, {
    token: DEMO.adminToken,
    body: { amountFen: order.totalFen, reason: 'legacy p12' },
    headers: { 'idempotency-key': `p12-${randomUUID()}` },
  });
  expect(refund.status).toBe(201);
  const refunded = await eventually(
    async () => {
      const current = await adminOrder();
      return current.status === 'REFUNDED' ? current : undefined;
    },
    5000,
    'REFUNDED',
  );
  expect(refunded.refundedFen).toBe(order.totalFen);
  // WeChat (the sandbox) accepted and settled the refund.
  const atWeChat = sandbox.orders().find((o) => o.out_trade_no === order.outTradeNo);
  expect(atWeChat?.refunds).toHaveLength(1);
  expect(atWeChat?.refunds[0]).toMatchObject({
    refund_fee: order.totalFen,
    refund_status: 'SUCCESS',
  });
}

describe('APIv2: a refund over mutual TLS with the legacy .p12', () => {
  const stack = useFenStack({ server: { apiVersion: 'v2' } });
  it('when the server is configured with the .p12 WeChat issues, then an order is paid and refunded through /secapi', async () => {
    await payAndRefund(stack);
  });
});

describe('APIv3: requests signed with the key read out of the legacy .p12', () => {
  const stack = useFenStack({ server: { apiVersion: 'v3' } });
  it('when the server is configured with the .p12 WeChat issues, then an order is paid and refunded', async () => {
    await payAndRefund(stack);
  });
});
