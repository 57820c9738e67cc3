import { formatWxTime } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import { isOpenIdOf, newCodeUrlToken, newPrepayId } from '../ids.js';
import { isIp, notifyUrlProblem } from '../pay/validate.js';
import { PREPAY_TTL_MS } from '../state/orders.js';
import type { Order } from '../state/orders.js';
import {
  V3_OUT_TRADE_NO,
  canonicalJson,
  isFenNumber,
  isObject,
  optionalString,
  requireString,
} from './fields.js';
import type { Json } from './fields.js';
import type { V3Request } from './pipeline.js';
import { ok, paramError, v3Error } from './reply.js';
import type { V3Error, V3Outcome } from './reply.js';
import { parseRfc3339 } from './time.js';

/** The four prepay paths and the trade_type each one makes (H5 is APIv2's MWEB). */
export const PREPAY_KINDS = { jsapi: 'JSAPI', app: 'APP', native: 'NATIVE', h5: 'MWEB' } as const;
export type PrepayKind = keyof typeof PREPAY_KINDS;

const MIN_EXPIRE_MS = 60_000; // as APIv2: time_expire more than 1 min ahead [D-uo-wxa]

/** Everything about the body except re-entry; undefined when it is valid. */
function bodyProblem(
  kind: PrepayKind,
  body: Json,
  request: V3Request,
  core: SandboxCore,
): V3Error | undefined {
  const merchant = request.caller.merchant;
  const simple =
    requireString(body, 'appid', 32) ??
    requireString(body, 'mchid', 32) ??
    requireString(body, 'description', 127) ??
    requireString(body, 'out_trade_no', 32) ??
    requireString(body, 'notify_url', 256) ??
    optionalString(body, 'attach', 128) ??
    optionalString(body, 'goods_tag', 32) ??
    optionalString(body, 'time_expire', 64);
  if (simple) return simple;
  if (body.mchid !== merchant.mchId) return paramError('mchid', '与Authorization中的商户号不一致');
  if (!merchant.appIds.includes(body.appid as string))
    return v3Error(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
  if (!V3_OUT_TRADE_NO.test(body.out_trade_no as string))
    return paramError('out_trade_no', '应为6-32位数字、大小写字母或_-|*@');
  const urlProblem = notifyUrlProblem(body.notify_url as string, core.options.httpNotifyHosts);
  if (urlProblem) return paramError('notify_url', `格式错误：${urlProblem}`);
  if (!isObject(body.amount)) return paramError('amount', '为必填参数');
  if (!isFenNumber(body.amount.total)) return paramError('amount.total', '应为正整数，单位为分');
  if (body.amount.currency !== undefined && body.amount.currency !== 'CNY')
    return paramError('amount.currency', '仅支持CNY');
  if (body.time_expire !== undefined && parseRfc3339(body.time_expire) === undefined)
    return paramError('time_expire', '应为RFC3339格式，如2018-06-08T10:34:56+08:00');
  if (kind === 'jsapi') {
    if (!isObject(body.payer) || typeof body.payer.openid !== 'string' || body.payer.openid === '')
      return paramError('payer.openid', '为必填参数');
    if (!isOpenIdOf(body.appid as string, body.payer.openid))
      return v3Error(400, 'PARAM_ERROR', 'appid和openid不匹配');
  }
  if (kind === 'h5') {
    const scene = body.scene_info;
    if (!isObject(scene) || typeof scene.payer_client_ip !== 'string')
      return paramError('scene_info.payer_client_ip', '为必填参数');
    if (!isIp(scene.payer_client_ip))
      return paramError('scene_info.payer_client_ip', '应为IPv4或IPv6地址');
    if (!isObject(scene.h5_info) || typeof scene.h5_info.type !== 'string')
      return paramError('scene_info.h5_info.type', '为必填参数');
  }
  return undefined;
}

/**
 * `POST /v3/pay/transactions/{jsapi|app|native|h5}` [docs/protocol.md §6]: validates, then creates
 * the order in the store APIv2 uses too (an order paid via v3 is one order). Re-entry as in
 * APIv2: the same out_trade_no with the same body is the same order (same prepay_id while valid);
 * another body → 403 OUT_TRADE_NO_USED; paid → 400 ORDERPAID; closed → 400 ORDER_CLOSED.
 */
export function prepay(kind: PrepayKind) {
  return (request: V3Request, core: SandboxCore): V3Outcome => {
    const body = request.body ?? {};
    const problem = bodyProblem(kind, body, request, core);
    if (problem) return problem;
    const mchId = request.caller.merchant.mchId;
    const outTradeNo = body.out_trade_no as string;
    const fingerprint = `v3|${kind}|${canonicalJson(body)}`;
    const now = core.clock.nowMs();
    const existing = core.orders.get(mchId, outTradeNo);
    if (existing) {
      if (existing.state === 'SUCCESS' || existing.state === 'REFUND')
        return v3Error(400, 'ORDERPAID', '该订单已支付');
      if (existing.state === 'CLOSED') return v3Error(400, 'ORDER_CLOSED', '该订单已关闭');
      if (existing.fingerprint !== fingerprint)
        return v3Error(403, 'OUT_TRADE_NO_USED', '商户订单号重复，且与原订单的参数不一致');
      if (now - existing.prepayIssuedAt >= PREPAY_TTL_MS)
        core.orders.reissuePrepay(existing, newPrepayId(formatWxTime(new Date(now))));
      return ok(prepayReply(kind, existing));
    }
    const timeExpire = body.time_expire === undefined ? undefined : parseRfc3339(body.time_expire);
    if (timeExpire !== undefined && timeExpire - now <= MIN_EXPIRE_MS)
      return v3Error(400, 'INVALID_REQUEST', 'time_expire时间过短，最短失效时间间隔必须大于1分钟');

    const prepayId = newPrepayId(formatWxTime(new Date(now)));
    const codeUrlToken = kind === 'native' ? newCodeUrlToken() : undefined;
    const openid = isObject(body.payer) ? (body.payer.openid as string | undefined) : undefined;
    const order: Order = {
      mchId,
      appId: body.appid as string,
      outTradeNo,
      tradeType: PREPAY_KINDS[kind],
      totalFee: (body.amount as Json).total as number,
      body: body.description as string,
      notifyUrl: body.notify_url as string,
      signType: 'MD5', // APIv2's; a v3 order's notifications are signed with the platform key
      // APIv2 names for what both sides read (orderquery, the bill, the page).
      fields: {
        ...(openid ? { openid } : {}),
        ...(typeof body.attach === 'string' && body.attach ? { attach: body.attach } : {}),
      },
      fingerprint,
      prepayId,
      prepayIssuedAt: now,
      ...(codeUrlToken ? { codeUrl: `weixin://wxpay/bizpayurl?pr=${codeUrlToken}` } : {}),
      ...(kind === 'h5' ? { mwebUrl: `${core.publicUrl}/checkmweb?prepay_id=${prepayId}` } : {}),
      createdAt: now,
      ...(timeExpire !== undefined ? { timeExpire } : {}),
      state: 'NOTPAY',
      payAttempts: [],
      refunds: [],
      api: 'v3',
    };
    core.orders.add(order, codeUrlToken);
    core.logger({
      level: 'info',
      msg: 'order created (v3)',
      mch_id: mchId,
      out_trade_no: outTradeNo,
      trade_type: order.tradeType,
      total_fee: order.totalFee,
    });
    return ok(prepayReply(kind, order));
  };
}

function prepayReply(kind: PrepayKind, order: Order): Json {
  if (kind === 'native') return { code_url: order.codeUrl };
  if (kind === 'h5')
    return {
      h5_url: (order.mwebUrl ?? '').replace(/prepay_id=[^&]+/, `prepay_id=${order.prepayId}`),
    };
  return { prepay_id: order.prepayId };
}
