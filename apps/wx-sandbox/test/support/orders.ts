import type { Sandbox } from '../../src/index.js';
import { postPay } from './http.js';
import { DEMO, signed } from './wire.js';
import type { SignType } from './wire.js';

let counter = 0;
/** A fresh out_trade_no. */
export const tradeNo = (prefix = 'T') =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`.slice(0, 32);

/** Business fields of a valid JSAPI unifiedorder for test user `user`. */
export function jsapiFields(
  sandbox: Sandbox,
  overrides: Record<string, string> = {},
  user = 'alice',
) {
  return {
    body: 'Fen 帆布包',
    out_trade_no: tradeNo(),
    total_fee: '1990',
    spbill_create_ip: '127.0.0.1',
    notify_url: 'http://127.0.0.1:9/notify',
    trade_type: 'JSAPI',
    openid: sandbox.loginCode(user, DEMO.appId).openid,
    ...overrides,
  };
}

/** Creates an order; returns the request fields and the (successful) reply. */
export async function createOrder(
  sandbox: Sandbox,
  overrides: Record<string, string> = {},
  type: SignType = 'MD5',
): Promise<{ fields: Record<string, string>; reply: Record<string, string> }> {
  const fields = jsapiFields(sandbox, overrides);
  const { reply } = await postPay(`${sandbox.url}/pay/unifiedorder`, signed(fields, type));
  if (reply.result_code !== 'SUCCESS')
    throw new Error(`unifiedorder failed: ${JSON.stringify(reply)}`);
  return { fields, reply };
}

/** Creates and pays an order (notify_url defaults to an unreachable port: deliveries just fail). */
export async function paidOrder(
  sandbox: Sandbox,
  overrides: Record<string, string> = {},
  type: SignType = 'MD5',
) {
  const created = await createOrder(sandbox, overrides, type);
  const paid = sandbox.pay(created.reply.prepay_id!, 'success');
  return { ...created, transactionId: paid.transaction_id! };
}
