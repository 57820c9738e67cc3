import { createSandbox } from '../../src/index.js';
import type { Sandbox, ShippingOptions } from '../../src/index.js';
import { json } from './http.js';
import { paidOrder } from './orders.js';
import { DEMO } from './wire.js';

/**
 * A sandbox for the shipping tests (orders visible at once, the clock checked every 20 ms,
 * retries 1000× faster) and a caller of its shipping APIs with a fresh access_token.
 */
export async function shippingSandbox(shipping: ShippingOptions = {}) {
  const sandbox = await createSandbox({
    timeScale: 0.001,
    shipping: { ingestDelaySeconds: 0, tickMs: 20, ...shipping },
  });
  const token = async (appId = DEMO.appId, secret = DEMO.secret) =>
    (
      await json(
        `${sandbox.url}/cgi-bin/token?grant_type=client_credential&appid=${appId}&secret=${secret}`,
      )
    ).body.access_token as string;
  const accessToken = await token();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const api = async (name: string, body: unknown, tokenValue = accessToken): Promise<any> =>
    (await json(`${sandbox.url}/wxa/sec/order/${name}?access_token=${tokenValue}`, body)).body;
  return { sandbox, api, token, accessToken };
}

let uploadSeconds = 0;
/** A fresh RFC 3339 upload_time in Beijing time, later than every earlier one of this run. */
export function uploadTime(sandbox: Sandbox): string {
  uploadSeconds += 1;
  const at = new Date(sandbox.now().getTime() + uploadSeconds * 1000 + 8 * 3600_000);
  return at.toISOString().replace('Z', '+08:00');
}

export type PaidOrder = Awaited<ReturnType<typeof paidOrder>>;

/** An upload_shipping_info body: one YTO parcel of `paid`, by transaction_id. */
export function expressUpload(sandbox: Sandbox, paid: PaidOrder, overrides: object = {}) {
  return {
    order_key: { order_number_type: 2, transaction_id: paid.transactionId },
    logistics_type: 1,
    delivery_mode: 1,
    shipping_list: [
      { tracking_no: 'YT7300000000001', express_company: 'YTO', item_desc: 'Fen 帆布包*1' },
    ],
    upload_time: uploadTime(sandbox),
    payer: { openid: paid.fields.openid },
    ...overrides,
  };
}

/** The order as the control API shows it. */
export async function shippingOrder(sandbox: Sandbox, paid: PaidOrder) {
  const res = await json(
    `${sandbox.url}/__sandbox/shipping/orders?transaction_id=${paid.transactionId}`,
  );
  return res.body.orders[0];
}

export { paidOrder };
