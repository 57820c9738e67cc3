import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { BodyTooLargeError, readRawBody } from '../http/raw-body.js';
import { openIdFor } from '../ids.js';
import { errorPage, escapeHtml, htmlPage, yuan } from '../web/html.js';
import type { ShippingStore } from './store.js';
import { ORDER_STATE_NAMES, payerOf } from './store.js';
import type { OrderKey } from './validate.js';

export const CONFIRM_PAGE_PATH = '/__sandbox/shipping/confirm-receipt';

const RESULT_TEXT = {
  success: '已确认收货',
  fail: '确认收货失败',
  cancel: '已取消',
} as const;

function page(ctx: Context, html: string): void {
  ctx.status = 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The order and test user a confirm page request names, or the message to show instead. */
function target(
  core: SandboxCore,
  q: Record<string, unknown>,
): { appId: string; user: string; key: OrderKey } | string {
  const appId = text(q.appid) || core.options.apps[0]?.appId || '';
  const user = text(q.user);
  if (!core.identities.app(appId)) return '小程序不存在 (unknown appid)';
  if (user === '' || user.length > 64) return '请指定测试用户 (user: 1–64 characters)';
  const transactionId = text(q.transaction_id);
  const key: OrderKey | undefined = transactionId
    ? { transactionId }
    : text(q.merchant_id) && text(q.merchant_trade_no)
      ? { mchId: text(q.merchant_id), outTradeNo: text(q.merchant_trade_no) }
      : undefined;
  if (!key) return '缺少订单参数 (transaction_id, or merchant_id + merchant_trade_no)';
  return { appId, user, key };
}

const hidden = (name: string, value: string) =>
  `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;

/**
 * `GET /__sandbox/shipping/confirm-receipt?appid=&user=&transaction_id=` (or merchant_id +
 * merchant_trade_no): what WeChat's confirm-receipt component (`weappOrderConfirm`) shows test
 * user `user`: the order, its shipping, and a 确认收货 button.
 */
export function confirmPage(core: SandboxCore, store: ShippingStore, ctx: Context): void {
  const t = target(core, ctx.query);
  if (typeof t === 'string') return page(ctx, errorPage(t));
  const record = store.find(t.appId, t.key);
  if (!record || payerOf(record.order) !== openIdFor(t.appId, t.user)) {
    return page(ctx, errorPage('获取用户订单失败'));
  }
  const state = store.state(record);
  const parcels = (record.shipment?.parcels ?? [])
    .map(
      (p) =>
        `<li>${escapeHtml(p.item_desc)}${
          p.tracking_no
            ? ` · ${escapeHtml(p.express_company ?? '')} ${escapeHtml(p.tracking_no)}`
            : ''
        }</li>`,
    )
    .join('');
  const form =
    state === 2
      ? `<form method="post" action="${CONFIRM_PAGE_PATH}">
${hidden('appid', t.appId)}${hidden('user', t.user)}${hidden('transaction_id', record.order.transactionId ?? '')}
<button class="pay" type="submit" id="fen-confirm-receipt">确认收货</button></form>`
      : `<p class="muted">订单状态：${ORDER_STATE_NAMES[state]}，无需确认收货</p>`;
  page(
    ctx,
    htmlPage(
      '确认收货 (sandbox)',
      `<h1>确认收货 · Fen sandbox</h1>
<div class="body">${escapeHtml(record.order.body)}</div>
<div class="amount">${yuan(record.order.totalFee)}</div>
<p class="muted">商户订单号 ${escapeHtml(record.order.outTradeNo)} · 状态 <span id="fen-order-state">${ORDER_STATE_NAMES[state]}</span></p>
<ul>${parcels}</ul>
${form}`,
    ),
  );
}

/** `POST /__sandbox/shipping/confirm-receipt` (the page's form): confirms as the test user. */
export async function confirmPageAct(
  core: SandboxCore,
  store: ShippingStore,
  ctx: Context,
): Promise<void> {
  let form: URLSearchParams;
  try {
    form = new URLSearchParams((await readRawBody(ctx.req, 16 * 1024)).toString('utf8'));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return page(ctx, errorPage('请求过大'));
    throw err;
  }
  const t = target(core, Object.fromEntries(form));
  if (typeof t === 'string') return page(ctx, errorPage(t));
  const result = store.confirmByBuyer(t.appId, t.key, openIdFor(t.appId, t.user));
  page(
    ctx,
    htmlPage(
      RESULT_TEXT[result.status],
      `<h1 id="fen-confirm-result" data-status="${result.status}">${RESULT_TEXT[result.status]}</h1>
${result.errormsg ? `<p class="error">${escapeHtml(result.errormsg)}</p>` : ''}`,
    ),
  );
}
