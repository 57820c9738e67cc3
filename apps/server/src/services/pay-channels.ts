import type { PayChannel, PaymentData } from '@fen/contracts';
import QRCode from 'qrcode';
import type { Config } from '../config.js';
import { appError } from '../errors.js';
import type { UserDoc, UserKind } from '../stores/user-model.js';
import type { PaySigner } from '../wechat/pay-signer.js';
import type { TradeType } from '../wechat/wechat-words.js';

/** One payment attempt at WeChat as the client pays it: prepay's answer and the appid. */
export interface PlacedAttempt {
  appId: string;
  prepayId: string;
  codeUrl?: string;
  mwebUrl?: string;
}

/** How the web checkout (`web/checkout-page.ts`) pays through a channel a browser can use. */
export interface WebCheckout {
  /** The link in the page's "Pay with" bar. */
  label: string;
  /** `bridge`: WeixinJSBridge in WeChat; `qr`: show the QR code; `redirect`: go to `mwebUrl`. */
  client: 'bridge' | 'qr' | 'redirect';
}

/** Everything the server knows about one channel. */
interface ChannelSpec<C extends PayChannel> {
  /**
   * Who may pay through it. JSAPI sends the payer's openid, so it must be an openid of that
   * appid. APP needs the shop's mobile app, which a guest (a browser with no WeChat identity)
   * does not have.
   */
  users: readonly UserKind[];
  /** The login the channel asks for, in its refusal. */
  needs: string;
  /** The appid setting it pays with; undefined when that setting is absent. */
  appId(wx: Config['wx']): string | undefined;
  tradeType: TradeType;
  /** What the client gets to pay the attempt. */
  payment(attempt: PlacedAttempt, signer: PaySigner): Promise<Extract<PaymentData, { channel: C }>>;
  /** Offered by the web checkout page, and how it pays there. */
  web?: WebCheckout;
}

/**
 * The channel table: a channel added to `@fen/contracts`' PayChannel and missing here fails to
 * compile. A new channel is one entry here, plus its pay-parameter builder in `@fen/wxpay` and
 * its support in the sandbox.
 */
const CHANNELS = {
  miniprogram: {
    users: ['miniprogram'],
    needs: 'a mini-program session',
    appId: (wx) => wx.appId,
    tradeType: 'JSAPI',
    payment: async ({ appId, prepayId }, signer) => ({
      channel: 'miniprogram',
      payParams: signer.miniProgram(appId, prepayId),
    }),
  },
  jsapi: {
    users: ['official_account'],
    needs: 'an official-account (OAuth) session',
    appId: (wx) => wx.officialAccount?.appId,
    tradeType: 'JSAPI',
    payment: async ({ appId, prepayId }, signer) => ({
      channel: 'jsapi',
      payParams: signer.jsapi(appId, prepayId),
    }),
    web: { label: 'WeChat (official account)', client: 'bridge' },
  },
  app: {
    users: ['miniprogram', 'official_account'],
    needs: 'a mini-program or official-account session',
    appId: (wx) => wx.mobileAppId,
    tradeType: 'APP',
    payment: async ({ appId, prepayId }, signer) => ({
      channel: 'app',
      appParams: signer.app(appId, prepayId),
    }),
  },
  native: {
    users: ['miniprogram', 'official_account', 'guest'],
    needs: 'a session',
    // Native and H5 name the official account when there is one, else the mini-program.
    appId: (wx) => wx.officialAccount?.appId ?? wx.appId,
    tradeType: 'NATIVE',
    payment: async ({ codeUrl = '' }) => ({
      channel: 'native',
      codeUrl,
      qrSvg: await QRCode.toString(codeUrl, { type: 'svg' }),
    }),
    web: { label: 'QR code', client: 'qr' },
  },
  h5: {
    users: ['miniprogram', 'official_account', 'guest'],
    needs: 'a session',
    appId: (wx) => wx.officialAccount?.appId ?? wx.appId,
    tradeType: 'MWEB',
    payment: async ({ mwebUrl = '' }) => ({ channel: 'h5', mwebUrl }),
    web: { label: 'Mobile browser', client: 'redirect' },
  },
} satisfies { [C in PayChannel]: ChannelSpec<C> };

const channelNames = Object.keys(CHANNELS) as PayChannel[];

/** The appid of every channel, as configured (undefined: the channel is not available). */
export function channelAppIds(wx: Config['wx']): Record<PayChannel, string | undefined> {
  return Object.fromEntries(channelNames.map((name) => [name, CHANNELS[name].appId(wx)])) as Record<
    PayChannel,
    string | undefined
  >;
}

/** What the channel's client needs to pay this attempt, signed where the channel signs. */
export function paymentDataFor(
  channel: PayChannel,
  attempt: PlacedAttempt,
  signer: PaySigner,
): Promise<PaymentData> {
  const spec: ChannelSpec<PayChannel> = CHANNELS[channel];
  return spec.payment(attempt, signer);
}

/** The channels the web checkout offers, in the order it lists them, with the login each needs. */
export function webCheckoutChannels(): Array<
  WebCheckout & { channel: PayChannel; login: 'guest' | 'oauth' }
> {
  return channelNames.flatMap((channel) => {
    const spec: ChannelSpec<PayChannel> = CHANNELS[channel];
    if (!spec.web) return [];
    const login = spec.users.includes('guest') ? ('guest' as const) : ('oauth' as const);
    return [{ channel, ...spec.web, login }];
  });
}

/** Refuses a channel this user cannot pay through, saying which login it needs. */
export function checkChannelUser(channel: PayChannel, user: UserDoc): void {
  const kind = user.kind ?? 'miniprogram';
  const spec: ChannelSpec<PayChannel> = CHANNELS[channel];
  if (!spec.users.includes(kind)) {
    throw appError('CHANNEL_UNAVAILABLE', `the ${channel} channel needs ${spec.needs}`);
  }
}

/** WeChat's trade_type for the channel: the mini-program and JSAPI share one. */
export function tradeTypeOf(channel: PayChannel): TradeType {
  return CHANNELS[channel].tradeType;
}
