import { canonicalStringV2, formatWxTime } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import { isOpenIdOf, newCodeUrlToken, newPrepayId } from '../ids.js';
import { PREPAY_TTL_MS } from '../state/orders.js';
import type { Order } from '../state/orders.js';
import type { PayRequest } from './pipeline.js';
import { businessError, success } from './reply.js';
import type { PayOutcome } from './reply.js';
import { OUT_TRADE_NO, isFen, isIp, notifyUrlProblem, parseStrictWxTime } from './validate.js';

const TRADE_TYPES = ['JSAPI', 'NATIVE', 'APP', 'MWEB'] as const;
const REQUIRED = [
  'body',
  'out_trade_no',
  'total_fee',
  'spbill_create_ip',
  'notify_url',
  'trade_type',
] as const;
const MAX_LENGTH: Record<string, number> = {
  device_info: 32,
  body: 127,
  detail: 6000,
  attach: 127,
  goods_tag: 32,
  product_id: 32,
  openid: 128,
  spbill_create_ip: 64,
};
const MIN_EXPIRE_MS = 60_000; // "time_expire must be more than 1 min after now" [D-uo-wxa]

/** Only these are "the business parameters" of a re-entry check: everything but sign and nonce. */
const fingerprintOf = (params: Record<string, string>) => {
  const { sign: _sign, nonce_str: _nonce, ...business } = params;
  return canonicalStringV2(business);
};

/** `POST /pay/unifiedorder` [docs/protocol.md §3.1]. */
export function unifiedOrder(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  for (const name of REQUIRED) if (!p[name]) return businessError('LACK_PARAMS', `缺少参数${name}`);
  for (const [name, max] of Object.entries(MAX_LENGTH)) {
    if ((p[name]?.length ?? 0) > max) return businessError('PARAM_ERROR', `${name}参数长度有误`);
  }
  const tradeType = p.trade_type as Order['tradeType'];
  if (!TRADE_TYPES.includes(tradeType))
    return businessError('PARAM_ERROR', 'trade_type参数格式错误');
  if (!isFen(p.total_fee))
    return businessError('PARAM_ERROR', 'total_fee参数格式错误：应为正整数，单位为分');
  if (!OUT_TRADE_NO.test(p.out_trade_no!))
    return businessError('PARAM_ERROR', 'out_trade_no参数格式错误');
  if (!isIp(p.spbill_create_ip!))
    return businessError('PARAM_ERROR', 'spbill_create_ip参数格式错误');
  const urlProblem = notifyUrlProblem(p.notify_url!, core.options.httpNotifyHosts);
  if (urlProblem) return businessError('PARAM_ERROR', urlProblem);
  if (p.fee_type && p.fee_type !== 'CNY')
    return businessError('PARAM_ERROR', 'fee_type参数格式错误');
  if (p.limit_pay && p.limit_pay !== 'no_credit')
    return businessError('PARAM_ERROR', 'limit_pay参数格式错误');
  if (p.detail && !isJson(p.detail)) return businessError('PARAM_ERROR', 'detail参数格式错误');
  const now = core.clock.nowMs();
  let timeStart: number | undefined;
  if (p.time_start) {
    timeStart = parseStrictWxTime(p.time_start);
    if (timeStart === undefined) return businessError('PARAM_ERROR', 'time_start参数格式错误');
  }
  let timeExpire: number | undefined;
  if (p.time_expire) {
    timeExpire = parseStrictWxTime(p.time_expire);
    if (timeExpire === undefined) return businessError('PARAM_ERROR', 'time_expire参数格式错误');
  }

  switch (tradeType) {
    case 'JSAPI':
      if (!p.openid) return businessError('LACK_PARAMS', 'JSAPI支付必须传openid');
      if (!isOpenIdOf(request.appId, p.openid))
        return businessError('PARAM_ERROR', 'appid和openid不匹配');
      break;
    case 'NATIVE':
      if (!p.product_id) return businessError('LACK_PARAMS', 'NATIVE支付必须传product_id');
      break;
    case 'MWEB':
      if (!p.scene_info) return businessError('LACK_PARAMS', 'H5支付必须传scene_info');
      if (!isH5SceneInfo(p.scene_info))
        return businessError('PARAM_ERROR', 'scene_info参数格式错误');
      break;
    case 'APP':
      break;
  }

  // Re-entry [docs/protocol.md §3.1]: the same out_trade_no with the same business parameters is the same order.
  const existing = core.orders.get(request.merchant.mchId, p.out_trade_no!);
  const fingerprint = fingerprintOf(p);
  if (existing) {
    if (existing.state === 'SUCCESS' || existing.state === 'REFUND')
      return businessError('ORDERPAID', '该订单已支付');
    if (existing.state === 'CLOSED') return businessError('ORDERCLOSED', '该订单已关闭');
    if (existing.fingerprint !== fingerprint)
      return businessError('INVALID_REQUEST', '201 商户订单号重复');
    if (now - existing.prepayIssuedAt >= PREPAY_TTL_MS) {
      core.orders.reissuePrepay(existing, newPrepayId(formatWxTime(new Date(now))));
    }
    return success(replyFields(existing));
  }
  if (timeExpire !== undefined) {
    if (timeExpire - now <= MIN_EXPIRE_MS)
      return businessError('INVALID_REQUEST', 'time_expire时间过短，最短失效时间间隔必须大于1分钟');
    if (timeStart !== undefined && timeExpire <= timeStart)
      return businessError('INVALID_REQUEST', 'time_expire必须晚于time_start');
  }

  const prepayId = newPrepayId(formatWxTime(new Date(now)));
  const codeUrlToken = tradeType === 'NATIVE' ? newCodeUrlToken() : undefined;
  const { sign: _sign, nonce_str: _nonce, ...fields } = p;
  const order: Order = {
    mchId: request.merchant.mchId,
    appId: request.appId,
    outTradeNo: p.out_trade_no!,
    tradeType,
    totalFee: Number(p.total_fee),
    body: p.body!,
    notifyUrl: p.notify_url!,
    signType: request.signType,
    fields,
    fingerprint,
    prepayId,
    prepayIssuedAt: now,
    ...(codeUrlToken ? { codeUrl: `weixin://wxpay/bizpayurl?pr=${codeUrlToken}` } : {}),
    ...(tradeType === 'MWEB'
      ? {
          mwebUrl: `${core.publicUrl}/checkmweb?prepay_id=${prepayId}&package=${Date.now() % 1e10}`,
        }
      : {}),
    createdAt: now,
    ...(timeExpire !== undefined ? { timeExpire } : {}),
    state: 'NOTPAY',
    payAttempts: [],
    refunds: [],
  };
  core.orders.add(order, codeUrlToken);
  core.logger({
    level: 'info',
    msg: 'order created',
    mch_id: order.mchId,
    out_trade_no: order.outTradeNo,
    trade_type: tradeType,
    total_fee: order.totalFee,
  });
  return success(replyFields(order));
}

function replyFields(order: Order): Record<string, string> {
  return {
    trade_type: order.tradeType,
    prepay_id: order.prepayId,
    ...(order.codeUrl ? { code_url: order.codeUrl } : {}),
    ...(order.mwebUrl
      ? { mweb_url: order.mwebUrl.replace(/prepay_id=[^&]+/, `prepay_id=${order.prepayId}`) }
      : {}),
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** H5 pay's scene_info: `{"h5_info": {"type": "Wap" | "IOS" | "Android", …}}`. */
function isH5SceneInfo(text: string): boolean {
  try {
    const info = JSON.parse(text) as { h5_info?: { type?: unknown } };
    return (
      typeof info.h5_info === 'object' &&
      info.h5_info !== null &&
      typeof info.h5_info.type === 'string'
    );
  } catch {
    return false;
  }
}
