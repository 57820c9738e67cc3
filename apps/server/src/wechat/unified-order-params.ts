import { formatWxTime, nonceStr } from '@fen/wxpay';
import type { TradeType } from './wechat-words.js';

/** One payment attempt as the services describe it, before it is written in WeChat's terms. */
export interface AttemptRequest {
  tradeType: TradeType;
  outTradeNo: string;
  totalFen: number;
  description: string;
  /** The payer's IP as the server sees it. */
  clientIp: string;
  notifyUrl: string;
  createdAt: Date;
  expiresAt: Date;
  /** The payer's openid under the order's appid (JSAPI sends it). */
  openid: string;
  /** The first product (Native sends it as product_id). */
  productId?: string;
  /** The site H5 pay names. */
  site: { url: string; name: string };
}

/**
 * The unifiedorder business fields of one attempt (docs/protocol.md §3.1), under WeChat's names. The
 * order stores them and every re-entry sends them verbatim (docs/pitfalls.md #14), whichever API version
 * the gateway speaks: the nonce is drawn once, here. JSAPI sends the payer's openid, NATIVE a
 * product_id, and MWEB (H5) must name the site in scene_info (docs/pitfalls.md #18).
 */
export function unifiedOrderParams(request: AttemptRequest): Record<string, string> {
  const { tradeType } = request;
  return {
    nonce_str: nonceStr(),
    body: request.description,
    out_trade_no: request.outTradeNo,
    total_fee: String(request.totalFen),
    spbill_create_ip: request.clientIp,
    notify_url: request.notifyUrl,
    trade_type: tradeType,
    time_start: formatWxTime(request.createdAt),
    time_expire: formatWxTime(request.expiresAt),
    ...(tradeType === 'JSAPI' ? { openid: request.openid } : {}),
    ...(tradeType === 'NATIVE' ? { product_id: (request.productId ?? 'order').slice(0, 32) } : {}),
    ...(tradeType === 'MWEB'
      ? {
          scene_info: JSON.stringify({
            h5_info: { type: 'Wap', wap_url: request.site.url, wap_name: request.site.name },
          }),
        }
      : {}),
  };
}
