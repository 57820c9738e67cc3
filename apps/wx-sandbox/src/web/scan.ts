import type { SandboxCore } from '../core.js';
import { openIdFor } from '../ids.js';
import { payAsPayer } from '../pay/payer.js';
import type { ControlError, PayerOutcome } from '../pay/payer.js';

/**
 * A test user scans a NATIVE `code_url` (`weixin://wxpay/bizpayurl?pr=…`) and acts on the cashier
 * WeChat opens: the order is paid (or cancelled, or refused for lack of funds) as that user, whose
 * openid the notification and orderquery then carry.
 */
export function scanCodeUrl(
  core: SandboxCore,
  codeUrl: string,
  user: string,
  outcome: PayerOutcome,
):
  | ControlError
  | { trade_state: string; out_trade_no: string; transaction_id?: string; openid: string } {
  const token = /^weixin:\/\/wxpay\/bizpayurl\?(?:.*&)?pr=([^&]+)/.exec(codeUrl)?.[1];
  const order = token ? core.orders.byCodeUrlToken(token) : undefined;
  if (!order) {
    return {
      status: 404,
      code: 'CODE_URL_NOT_FOUND',
      message: 'no NATIVE order has this code_url (weixin://wxpay/bizpayurl?pr=…)',
    };
  }
  const openid = openIdFor(order.appId, user);
  const result = payAsPayer(core, order.prepayId, outcome, undefined, openid);
  return 'code' in result ? result : { ...result, openid };
}
