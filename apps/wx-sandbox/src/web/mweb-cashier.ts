import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { BodyTooLargeError, readRawBody } from '../http/raw-body.js';
import { openIdFor } from '../ids.js';
import { isPayerOutcome, payAsPayer } from '../pay/payer.js';
import type { Order } from '../state/orders.js';
import { errorPage, escapeHtml, htmlPage, webUrl, yuan } from './html.js';
import { isControlError, payableOrder } from './payable.js';

function page(ctx: Context, html: string): void {
  ctx.status = 200; // WeChat's H5 pages answer 200, refusals included
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html;
}

/** The MWEB order of `prepayId` that may still be paid, or the refusal to show. */
function mwebOrder(core: SandboxCore, prepayId: string): Order | string {
  if (!prepayId) return '商家参数格式有误，请联系商家解决 (prepay_id is missing)';
  const order = payableOrder(core, prepayId);
  if (isControlError(order)) {
    if (order.code === 'PREPAY_NOT_FOUND') return `支付请求无效 (unknown prepay_id ${prepayId})`;
    if (order.code === 'PREPAY_EXPIRED')
      return '支付请求已失效，请重新发起支付 (prepay_id expired)';
    return `${order.code === 'ORDER_PAID' ? '订单已支付' : '订单已关闭'} (${order.message})`;
  }
  if (order.tradeType !== 'MWEB')
    return `支付请求无效 (the order's trade_type is ${order.tradeType})`;
  return order;
}

/**
 * `GET /checkmweb?prepay_id=…&package=…[&redirect_url=…]` — where H5 pay's `mweb_url` leads: the
 * cashier for that order (Pay / Cancel / Insufficient funds, in `#fen-sandbox-cashier`). An
 * unknown, expired, paid or closed prepay_id gets an error page instead; so does a redirect_url
 * that is not an absolute http(s) URL.
 */
export function mwebCashier(core: SandboxCore, ctx: Context): void {
  const prepayId = typeof ctx.query.prepay_id === 'string' ? ctx.query.prepay_id : '';
  const redirectUrl = typeof ctx.query.redirect_url === 'string' ? ctx.query.redirect_url : '';
  const order = mwebOrder(core, prepayId);
  if (typeof order === 'string') return page(ctx, errorPage(order));
  if (redirectUrl && !webUrl(redirectUrl)) {
    return page(ctx, errorPage('redirect_url参数错误 (an absolute http(s) URL)'));
  }
  page(
    ctx,
    htmlPage(
      '微信支付 (sandbox)',
      `<h1>WeChat Pay · Fen sandbox</h1>
<div class="body">${escapeHtml(order.body)}</div>
<div class="amount">${yuan(order.totalFee)}</div>
<div class="muted">${escapeHtml(order.outTradeNo)} · mch_id ${escapeHtml(order.mchId)}</div>
<form id="fen-sandbox-cashier" method="post" action="/checkmweb">
<input type="hidden" name="prepay_id" value="${escapeHtml(prepayId)}">
<input type="hidden" name="redirect_url" value="${escapeHtml(redirectUrl)}">
<label class="muted">as test user <input name="user" value="alice" maxlength="64"></label>
<button type="submit" name="outcome" value="success" class="pay">Pay ${yuan(order.totalFee)}</button>
<button type="submit" name="outcome" value="insufficient_funds" class="insufficient-funds">Insufficient funds</button>
<button type="submit" name="outcome" value="cancel" class="cancel">Cancel</button>
</form>`,
    ),
  );
}

/**
 * `POST /checkmweb` (the cashier's form): acts as the payer, then sends the browser to
 * redirect_url whatever happened — WeChat does not tell the merchant's page the outcome; the
 * merchant must query the order. Without a redirect_url the outcome is shown.
 */
export async function mwebCashierAct(core: SandboxCore, ctx: Context): Promise<void> {
  let form: URLSearchParams;
  try {
    form = new URLSearchParams((await readRawBody(ctx.req, 16 * 1024)).toString('utf8'));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return page(ctx, errorPage('请求过大 (body too large)'));
    throw err;
  }
  const prepayId = form.get('prepay_id') ?? '';
  const redirectUrl = form.get('redirect_url') ?? '';
  const outcome = form.get('outcome');
  const user = form.get('user') || 'alice';
  const order = mwebOrder(core, prepayId);
  if (typeof order === 'string') return page(ctx, errorPage(order));
  if (!isPayerOutcome(outcome)) return page(ctx, errorPage('outcome参数错误'));
  if (user.length > 64) return page(ctx, errorPage('user must be 1–64 characters'));
  const target = redirectUrl ? webUrl(redirectUrl) : undefined;
  if (redirectUrl && !target) return page(ctx, errorPage('redirect_url参数错误'));
  const result = payAsPayer(core, prepayId, outcome, undefined, openIdFor(order.appId, user));
  if ('code' in result) return page(ctx, errorPage(result.message));
  if (target) {
    ctx.status = 303; // a POST answered by a GET of the merchant's page
    ctx.redirect(target.href);
    return;
  }
  page(
    ctx,
    htmlPage(
      '微信支付 (sandbox)',
      `<h1>WeChat Pay · Fen sandbox</h1>
<p id="fen-sandbox-result" class="${escapeHtml(result.trade_state)}">${escapeHtml(
        outcome === 'success' ? 'Paid' : outcome === 'cancel' ? 'Cancelled' : 'Insufficient funds',
      )}: ${escapeHtml(result.out_trade_no)} is ${escapeHtml(result.trade_state)}</p>
<p class="muted">No redirect_url was given: return to the merchant's page yourself.</p>`,
    ),
  );
}
