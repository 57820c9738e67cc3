import { formatWxTime, nonceStr, signV2, toXml } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import { newTransactionId } from '../ids.js';
import type { Order, PayAttempt } from '../state/orders.js';
import { sendV3PaymentNotification } from '../v3/notifications.js';
import { isControlError, payableOrder } from '../web/payable.js';
import { paidFields } from './order-query.js';

export type PayerOutcome = PayAttempt['outcome'];

/** What a payer can do at a cashier. */
export const PAYER_OUTCOMES: readonly PayerOutcome[] = ['success', 'cancel', 'insufficient_funds'];

export const isPayerOutcome = (value: unknown): value is PayerOutcome =>
  PAYER_OUTCOMES.includes(value as PayerOutcome);

/** A control-API refusal: HTTP status, stable code, message. */
export interface ControlError {
  status: number;
  code: string;
  message: string;
}

/**
 * The payer acts on the cashier of `prepayId`: `success` pays (SUCCESS, transaction_id, time_end,
 * bank_type, then the payment notification); `cancel` and `insufficient_funds` leave the order
 * NOTPAY, as WeChat does for JSAPI/NATIVE/APP/MWEB (PAYERROR: micropay) [docs/protocol.md §3.2].
 * `payerOpenId` names who paid an order placed without an openid (a scanned NATIVE code, an H5
 * cashier): WeChat's notification and orderquery then carry it.
 */
export function payAsPayer(
  core: SandboxCore,
  prepayId: string,
  outcome: PayerOutcome,
  bankType = 'OTHERS',
  payerOpenId?: string,
): ControlError | { trade_state: string; out_trade_no: string; transaction_id?: string } {
  const order = payableOrder(core, prepayId);
  if (isControlError(order)) return order;
  const now = core.clock.nowMs();
  order.payAttempts.push({ at: now, outcome });
  if (outcome !== 'success') {
    core.logger({
      level: 'info',
      msg: 'payer did not pay',
      out_trade_no: order.outTradeNo,
      outcome,
    });
    return { trade_state: order.state, out_trade_no: order.outTradeNo };
  }
  const transactionId = newTransactionId(formatWxTime(new Date(now)));
  if (payerOpenId && !order.fields.openid) order.payerOpenId = payerOpenId;
  core.orders.markPaid(order, transactionId, bankType);
  core.logger({
    level: 'info',
    msg: 'order paid',
    out_trade_no: order.outTradeNo,
    transaction_id: transactionId,
  });
  sendPaymentNotification(core, order);
  return {
    trade_state: order.state,
    out_trade_no: order.outTradeNo,
    transaction_id: transactionId,
  };
}

/**
 * The payment notification [docs/protocol.md §4.1] in the order's sign type; `sign_type` is added
 * when it is HMAC-SHA256 so the receiver knows how to verify. Re-signed with a new nonce each POST.
 */
export function paymentNotificationXml(core: SandboxCore, order: Order): string {
  const key = core.merchants.get(order.mchId)?.key ?? '';
  const fields: Record<string, string> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: order.appId,
    mch_id: order.mchId,
    ...(order.fields.device_info ? { device_info: order.fields.device_info } : {}),
    nonce_str: nonceStr(),
    ...(order.signType === 'HMAC-SHA256' ? { sign_type: 'HMAC-SHA256' } : {}),
    result_code: 'SUCCESS',
    ...paidFields(order),
  };
  return toXml({ ...fields, sign: signV2(fields, key, order.signType) });
}

function sendPaymentNotification(core: SandboxCore, order: Order): void {
  if (order.api === 'v3') return sendV3PaymentNotification(core, order);
  core.notifier.send({
    kind: 'payment',
    mchId: order.mchId,
    outTradeNo: order.outTradeNo,
    notifyUrl: order.notifyUrl,
    body: () => paymentNotificationXml(core, order),
  });
}
