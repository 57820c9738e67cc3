import Router from '@koa/router';
import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { BodyTooLargeError, readRawBody } from '../http/raw-body.js';
import { apiError, isApiError } from '../state/identities.js';
import type { WxApiError } from '../state/identities.js';
import { DELIVERY_COMPANIES } from './delivery-companies.js';
import type { ShippingStore } from './store.js';
import { ORDER_NOT_FOUND } from './store.js';
import {
  formatError,
  parseMerchantOrderRef,
  parseOrderKey,
  parseShippingUpload,
} from './validate.js';
import { wxOrderView } from './views.js';

const MAX_BODY_BYTES = 64 * 1024;
const PAGE_SIZE_DEFAULT = 100;
const UINT32_MAX = 4_294_967_295;

type Body = Record<string, unknown>;
/** An API handler: the caller's appid and the JSON body → WeChat's reply. */
type Handler = (appId: string, body: Body) => WxApiError | object;

const ok = (fields: object = {}) => ({ errcode: 0, errmsg: 'ok', ...fields });

function send(ctx: Context, body: object): void {
  ctx.status = 200;
  ctx.type = 'application/json; encoding=utf-8';
  ctx.body = JSON.stringify(body);
}

/**
 * The shipping-info APIs of 发货信息管理 on the mini-program API host (docs/sandbox.md §14):
 * `POST /wxa/sec/order/<name>?access_token=…` with a JSON body, plus the express company list.
 * Checks in order: POST (43002), the access_token (41001/40001/42001), a JSON object body
 * (47001), an app under trade management (48001), then the API's own rules.
 */
export function shippingApiRouter(core: SandboxCore, store: ShippingStore): Router {
  const router = new Router();

  const handle =
    (handler: Handler, managedOnly = true) =>
    async (ctx: Context) => {
      if (ctx.method !== 'POST') return send(ctx, apiError(43002, 'require POST method'));
      const token = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined;
      const owner = core.identities.checkAccessToken(token);
      if (isApiError(owner)) return send(ctx, owner);
      let body: unknown;
      try {
        body = JSON.parse((await readRawBody(ctx.req, MAX_BODY_BYTES)).toString('utf8'));
      } catch (err) {
        if (err instanceof BodyTooLargeError || err instanceof SyntaxError)
          return send(ctx, formatError());
        throw err;
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        return send(ctx, formatError());
      if (core.faults.systemErrorFor(ctx.path)) return send(ctx, apiError(-1, 'system error'));
      if (managedOnly && !store.isTradeManaged(owner.appId))
        return send(ctx, apiError(48001, 'api unauthorized'));
      send(ctx, handler(owner.appId, body as Body));
    };

  const orderApi = (name: string, handler: Handler, managedOnly = true) =>
    router.all(`/wxa/sec/order/${name}`, handle(handler, managedOnly));

  orderApi('upload_shipping_info', (appId, body) => {
    const upload = parseShippingUpload(body);
    if (isApiError(upload)) return upload;
    return store.upload(appId, upload) ?? ok();
  });

  // 合单支付 orders: the sandbox has none, so after the format checks every order is unknown.
  orderApi('upload_combined_shipping_info', (_appId, body) => {
    const parent = parseOrderKey(body.order_key);
    const subOrders = body.sub_orders;
    if (!parent || !Array.isArray(subOrders) || subOrders.length === 0) return formatError();
    for (const sub of subOrders) {
      const parsed = parseShippingUpload({
        ...(sub as Body),
        upload_time: body.upload_time,
        payer: body.payer,
      });
      if (isApiError(parsed)) return parsed;
    }
    return ORDER_NOT_FOUND();
  });

  orderApi('get_order', (appId, body) => {
    const key = parseMerchantOrderRef(body);
    if (!key) return formatError();
    const record = store.find(appId, key);
    return record ? ok({ order: wxOrderView(store, record) }) : ORDER_NOT_FOUND();
  });

  orderApi('get_order_list', (appId, body) => {
    const range = body.pay_time_range ?? {};
    if (typeof range !== 'object' || range === null || Array.isArray(range)) return formatError();
    const { begin_time: begin = 0, end_time: end = UINT32_MAX } = range as Body;
    const { order_state: state, openid, last_index: lastIndex, page_size: size } = body;
    if (typeof begin !== 'number' || typeof end !== 'number') return formatError();
    if (state !== undefined && ![1, 2, 3, 4, 5, 6].includes(state as number)) return formatError();
    if (openid !== undefined && typeof openid !== 'string') return formatError();
    if (lastIndex !== undefined && (typeof lastIndex !== 'string' || !/^\d*$/.test(lastIndex)))
      return formatError();
    const pageSize = size ?? PAGE_SIZE_DEFAULT;
    if (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > 100)
      return formatError();
    const matching = store.list(appId).filter((r) => {
      const paid = Math.floor((r.order.paidAt ?? 0) / 1000);
      return (
        paid >= begin &&
        paid <= end &&
        (state === undefined || store.state(r) === state) &&
        (openid === undefined || wxOrderView(store, r).openid === openid)
      );
    });
    const start = lastIndex ? Number(lastIndex) : 0;
    const page = matching.slice(start, start + (pageSize as number));
    const next = start + page.length;
    return ok({
      last_index: String(next),
      has_more: next < matching.length,
      order_list: page.map((r) => wxOrderView(store, r)),
    });
  });

  orderApi('notify_confirm_receive', (appId, body) => {
    const key = parseMerchantOrderRef(body);
    const received = body.received_time;
    if (!key || typeof received !== 'number' || !Number.isInteger(received)) return formatError();
    return store.notifyConfirmReceive(appId, key, received) ?? ok();
  });

  orderApi('set_msg_jump_path', (appId, body) => {
    if (typeof body.path !== 'string') return formatError();
    store.setJumpPath(appId, body.path);
    return ok();
  });

  // Any mini-program may ask about itself (a service provider about others: not modelled).
  const aboutSelf = (answer: (appId: string) => object) => (appId: string, body: Body) => {
    if (typeof body.appid !== 'string' || body.appid === '') return formatError();
    if (body.appid !== appId) return apiError(48001, 'api unauthorized');
    return ok(answer(appId));
  };
  orderApi(
    'is_trade_managed',
    aboutSelf((appId) => ({ is_trade_managed: store.isTradeManaged(appId) })),
    false,
  );
  orderApi(
    'is_trade_management_confirmation_completed',
    aboutSelf((appId) => ({ completed: store.isTradeManaged(appId) })),
    false,
  );

  router.all(
    '/cgi-bin/express/delivery/open_msg/get_delivery_list',
    handle(
      () => ok({ count: DELIVERY_COMPANIES.length, delivery_list: DELIVERY_COMPANIES }),
      false,
    ),
  );

  return router;
}
