import type { PayChannel } from '@fen/contracts';
import { formatWxTime, nonceStr } from '@fen/wxpay';
import { appError } from '../errors.js';
import type { OrderItemDoc } from '../stores/order-model.js';
import type { UserDoc, UserKind } from '../stores/user-model.js';

/** WeChat's trade_type per channel (docs/protocol.md §3.1): mini-program and JSAPI share one. */
const TRADE_TYPES: Record<PayChannel, string> = {
  miniprogram: 'JSAPI',
  jsapi: 'JSAPI',
  app: 'APP',
  native: 'NATIVE',
  h5: 'MWEB',
};

/**
 * Who may pay through a channel. JSAPI sends the payer's openid, so it must be an openid of
 * that appid: the mini-program's for `miniprogram`, the official account's for `jsapi`. APP,
 * Native and H5 send none.
 */
const CHANNEL_USERS: Record<PayChannel, readonly UserKind[]> = {
  miniprogram: ['miniprogram'],
  jsapi: ['official_account'],
  app: ['miniprogram', 'official_account', 'guest'],
  native: ['miniprogram', 'official_account', 'guest'],
  h5: ['miniprogram', 'official_account', 'guest'],
};

/** Refuses a channel this user cannot pay through, saying which login it needs. */
export function checkChannelUser(channel: PayChannel, user: UserDoc): void {
  const kind = user.kind ?? 'miniprogram';
  if (!CHANNEL_USERS[channel].includes(kind)) {
    const needs =
      channel === 'jsapi' ? 'an official-account (OAuth) session' : 'a mini-program session';
    throw appError('CHANNEL_UNAVAILABLE', `the ${channel} channel needs ${needs}`);
  }
}

export interface AttemptInput {
  channel: PayChannel;
  outTradeNo: string;
  user: UserDoc;
  items: OrderItemDoc[];
  totalFen: number;
  description: string;
  clientIp: string;
  notifyUrl: string;
  createdAt: Date;
  expiresAt: Date;
  /** H5 pay's scene_info names the site (docs/protocol.md §3.1, docs/pitfalls.md #18). */
  site: { url: string; name: string };
}

/**
 * The unifiedorder business fields of one attempt, stored with the order and sent verbatim on
 * every re-entry (docs/pitfalls.md #14): the nonce is drawn once, here.
 */
export function unifiedOrderParamsFor(input: AttemptInput): Record<string, string> {
  const { channel } = input;
  return {
    nonce_str: nonceStr(),
    body: input.description,
    out_trade_no: input.outTradeNo,
    total_fee: String(input.totalFen),
    spbill_create_ip: input.clientIp,
    notify_url: input.notifyUrl,
    trade_type: TRADE_TYPES[channel],
    time_start: formatWxTime(input.createdAt),
    time_expire: formatWxTime(input.expiresAt),
    ...(TRADE_TYPES[channel] === 'JSAPI' ? { openid: input.user.openid } : {}),
    ...(channel === 'native'
      ? { product_id: (input.items[0]?.productId ?? 'order').slice(0, 32) }
      : {}),
    ...(channel === 'h5'
      ? {
          scene_info: JSON.stringify({
            h5_info: { type: 'Wap', wap_url: input.site.url, wap_name: input.site.name },
          }),
        }
      : {}),
  };
}
