import {
  buildAppPayParams,
  buildJsapiPayParams,
  buildMiniProgramPayParams,
  createPayClient,
  createWeChatApi,
  jssdkSignature,
  nonceStr,
  parsePaymentNotification,
  parseRefundNotification,
  timeStampSeconds,
  wxPayError,
} from '@fen/wxpay';
import type {
  MiniProgramShippingApi,
  PayClient,
  TokenCache,
  TokenFetchGuard,
  UnifiedOrderParams,
  WeChatApi,
} from '@fen/wxpay';
import { downloadFundFlowBill } from './fund-flow-bill.js';
import type { FundFlowBill } from './fund-flow-bill.js';
import { mergeTradeBills, tradeBillRows } from './trade-bill.js';
import type { TradeBill } from './trade-bill.js';
import type { JssdkConfigResponse, PayChannel, PaymentData } from '@fen/contracts';
import type { Config } from '../config.js';
import { appError } from '../errors.js';
import { channelAppIds, paymentDataFor } from '../services/pay-channels.js';
import type { PaySigner } from './pay-signer.js';
import { refusal } from './refused-notification.js';
import type {
  NotificationRequest,
  ParsedNotification,
  PaymentNotificationReport,
  PrepayAttempt,
  RefundNotificationReport,
  RefundRequest,
  StoredAttempt,
  WeChatPayment,
  WeChatRefund,
} from './payment-reports.js';
import {
  v2Failure,
  v2Payment,
  v2PaymentNotification,
  v2PrepayAttempt,
  v2QueriedRefund,
  v2RefundNotification,
} from './v2-mapping.js';

/**
 * Everything the server asks of WeChat, in one place, configured once from {@link Config}, in the
 * server's own terms: the services never see a wire name. All wire work (signing, XML, TLS,
 * verification) is `@fen/wxpay`'s; a gateway binds the merchant's settings (so services never
 * handle keys) and maps WeChat's answers to `payment-reports.ts`. Calls about an order use the
 * appid it was placed with. A failed Pay call throws a `WeChatFailure` (`failure.ts`).
 */
export interface WeChatGateway {
  code2Session(code: string): Promise<{ openid: string; unionid?: string }>;
  /** Official-account OAuth (`snsapi_base`): the code from the redirect → the openid. */
  oauthOpenid(code: string): Promise<{ openid: string; unionid?: string }>;
  /** Where to send a browser for OAuth, coming back to `redirectUri` with `state`. */
  oauthAuthorizeUrl(redirectUri: string, state: string): string;
  /** `wx.config` data for an official-account page at `url`, signed with the jsapi_ticket. */
  jssdkConfig(url: string): Promise<JssdkConfigResponse>;
  /** The appid a channel pays with, or undefined when that channel is not configured. */
  appIdFor(channel: PayChannel): string | undefined;
  /** Places (or re-enters) the attempt with its stored parameters, identical every time. */
  prepay(attempt: StoredAttempt): Promise<PrepayAttempt>;
  queryPayment(outTradeNo: string, appId?: string): Promise<WeChatPayment>;
  closePayment(outTradeNo: string, appId?: string): Promise<void>;
  /** Asks for a refund; WeChat's refund_id when it names one. */
  refund(request: RefundRequest, appId?: string): Promise<{ refundId?: string }>;
  /** The refund, or undefined when WeChat's answer does not list it. */
  queryRefund(outRefundNo: string, appId?: string): Promise<WeChatRefund | undefined>;
  /** What the channel's client needs to pay this attempt, signed where the channel signs. */
  paymentData(channel: PayChannel, attempt: PrepayAttempt): Promise<PaymentData>;
  /** Verifies a payment notification of either API version (fail closed, docs/pitfalls.md #7). */
  parsePaymentNotification(
    request: NotificationRequest,
  ): Promise<ParsedNotification<PaymentNotificationReport>>;
  /** Verifies (APIv2: decrypts req_info; APIv3: the signature) a refund notification. */
  parseRefundNotification(
    request: NotificationRequest,
  ): Promise<ParsedNotification<RefundNotificationReport>>;
  /** Resets an app's daily API quota at WeChat (clear_quota, 10 a month); the app must be ours. */
  clearTokenQuota(appId: string): Promise<void>;
  /**
   * The trade bill (`ALL`) of a Beijing day, `YYYY-MM-DD`, every row read before it is returned.
   * Throws the wire error when it cannot be had (code `BILL_MALFORMED`: it came but is unreadable).
   */
  tradeBill(date: string): Promise<TradeBill>;
  /** The fund-flow bill of a Beijing day, summed (wechat/fund-flow-bill.ts). */
  fundFlowBill(date: string): Promise<FundFlowBill>;
  /** The mini-program's shipping-info APIs (发货信息管理), with its cached access_token. */
  shipping: MiniProgramShippingApi;
  /** Closes the connection pools. */
  close(): Promise<void>;
}

/** Runs one Pay call, turning its wire failure into a `WeChatFailure`. */
async function payCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw v2Failure(err);
  }
}

export function createWeChatGateway(
  config: Config,
  tokenCache: TokenCache,
  fetchGuard?: TokenFetchGuard,
): WeChatGateway {
  const { pay, wx } = config;
  const oa = wx.officialAccount;
  const appIdOf = channelAppIds(wx);
  const appIds = [...new Set(Object.values(appIdOf).filter((id) => id !== undefined))];
  const clients = new Map<string, PayClient>(
    appIds.map((appId) => [
      appId,
      createPayClient({
        appId,
        mchId: pay.mchId,
        key: pay.key,
        signType: pay.signType,
        baseUrl: pay.apiBase,
        secapiBaseUrl: pay.secapiBase,
        certificate: pay.certificate,
        ...(pay.ca ? { ca: pay.ca } : {}),
        timeoutMs: pay.timeoutMs,
        retries: 1,
      }),
    ]),
  );
  const clientFor = (appId = wx.appId): PayClient => {
    const client = clients.get(appId);
    if (!client) throw new Error(`no pay client for appid ${appId}: not configured`);
    return client;
  };
  const apiOptions = {
    baseUrl: wx.apiBase,
    tokenCache,
    ...(fetchGuard ? { fetchGuard } : {}),
    timeoutMs: pay.timeoutMs,
    ...(pay.ca ? { ca: pay.ca } : {}),
  };
  const api = createWeChatApi({ appId: wx.appId, secret: wx.appSecret, ...apiOptions });
  const oaApi: WeChatApi | undefined =
    oa && createWeChatApi({ appId: oa.appId, secret: oa.appSecret, ...apiOptions });
  const requireOa = (): { api: WeChatApi; appId: string } => {
    if (!oa || !oaApi) {
      throw appError('CHANNEL_UNAVAILABLE', 'no official account is configured (WX_OA_APPID)');
    }
    return { api: oaApi, appId: oa.appId };
  };
  const addressee = { appIds, mchId: pay.mchId };
  const verify = { ...addressee, key: pay.key, signType: pay.signType };
  const signing = { key: pay.key, signType: pay.signType };
  const signer: PaySigner = {
    miniProgram: (appId, prepayId) => buildMiniProgramPayParams({ appId, prepayId, ...signing }),
    jsapi: (appId, prepayId) => buildJsapiPayParams({ appId, prepayId, ...signing }),
    app: (appId, prepayId) =>
      buildAppPayParams({ appId, mchId: pay.mchId, prepayId, key: pay.key }),
  };

  return {
    async code2Session(code) {
      // session_key is dropped right here: nothing downstream ever sees it.
      const { openid, unionid } = await api.code2Session(code);
      return unionid ? { openid, unionid } : { openid };
    },
    async oauthOpenid(code) {
      // The OAuth access_token is not needed for snsapi_base: only the openid is kept.
      const { openid, unionid } = await requireOa().api.oauthAccessToken(code);
      return unionid ? { openid, unionid } : { openid };
    },
    oauthAuthorizeUrl(redirectUri, state) {
      const query = new URLSearchParams({
        appid: requireOa().appId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'snsapi_base',
        state,
      });
      return `${wx.oauthBase}/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
    },
    async jssdkConfig(url) {
      const { api: oaWeChat, appId } = requireOa();
      const ticket = await oaWeChat.getJsapiTicket();
      const timestamp = Number(timeStampSeconds());
      const nonce = nonceStr(16);
      return {
        appId,
        timestamp,
        nonceStr: nonce,
        signature: jssdkSignature({ ticket, nonceStr: nonce, timestamp, url }),
      };
    },
    appIdFor: (channel) => appIdOf[channel],
    prepay: ({ appId, unifiedOrderParams }) =>
      payCall(async () =>
        v2PrepayAttempt(
          await clientFor(appId).unifiedOrder(unifiedOrderParams as UnifiedOrderParams),
        ),
      ),
    queryPayment: (outTradeNo, appId) =>
      payCall(async () =>
        v2Payment(await clientFor(appId).orderQuery({ out_trade_no: outTradeNo })),
      ),
    closePayment: (outTradeNo, appId) =>
      payCall(async () => {
        await clientFor(appId).closeOrder({ out_trade_no: outTradeNo });
      }),
    refund: (request, appId) =>
      payCall(async () => {
        const reply = await clientFor(appId).refund({
          out_trade_no: request.outTradeNo,
          out_refund_no: request.outRefundNo,
          total_fee: String(request.totalFen),
          refund_fee: String(request.refundFen),
          ...(request.reason ? { refund_desc: request.reason } : {}),
          notify_url: request.notifyUrl,
        });
        return reply.refund_id ? { refundId: reply.refund_id } : {};
      }),
    queryRefund: (outRefundNo, appId) =>
      payCall(async () =>
        v2QueriedRefund(
          await clientFor(appId).refundQuery({ out_refund_no: outRefundNo }),
          outRefundNo,
        ),
      ),
    paymentData: (channel, attempt) =>
      paymentDataFor(channel, { appId: appIdOf[channel] ?? wx.appId, ...attempt }, signer),
    async tradeBill(date) {
      // The bill is the merchant's; asking with each appid and merging rows (kept once) misses
      // nothing whether WeChat answers per mch_id or per appid.
      const bills = [];
      for (const client of clients.values()) {
        try {
          const parsed = await client.downloadBill({
            bill_date: date.replace(/-/g, ''),
            bill_type: 'ALL',
            tar_type: 'GZIP',
          });
          bills.push({ exists: true as const, ...tradeBillRows(parsed) });
        } catch (err) {
          if ((err as { code?: unknown }).code !== 'BILL_NOT_FOUND') throw err;
          bills.push({ exists: false as const });
        }
      }
      return mergeTradeBills(bills);
    },
    // One merchant account: its bill is the same whichever appid asks.
    fundFlowBill: (date) =>
      downloadFundFlowBill(() =>
        clientFor().downloadFundFlow({
          bill_date: date.replace(/-/g, ''),
          account_type: 'Basic',
          tar_type: 'GZIP',
        }),
      ),
    async parsePaymentNotification(request) {
      if (request.api === 'v3') return refusal(v3NotEnabled(), request, addressee);
      const body = request.body.toString('utf8');
      try {
        return {
          accepted: true,
          report: v2PaymentNotification(parsePaymentNotification(body, verify)),
        };
      } catch (err) {
        return refusal(err, request, addressee);
      }
    },
    async parseRefundNotification(request) {
      if (request.api === 'v3') return refusal(v3NotEnabled(), request, addressee);
      try {
        const { info } = parseRefundNotification(request.body.toString('utf8'), verify);
        return { accepted: true, report: v2RefundNotification(info) };
      } catch (err) {
        return refusal(err, request, addressee);
      }
    },
    shipping: api,
    async clearTokenQuota(appId) {
      const target = appId === wx.appId ? api : appId === oa?.appId ? oaApi : undefined;
      if (!target) throw new Error(`no AppSecret for appid ${appId}: not configured`);
      await target.clearQuota();
    },
    async close() {
      await Promise.allSettled([
        ...[...clients.values()].map((client) => client.close()),
        api.close(),
        oaApi?.close(),
      ]);
    },
  };
}

/** An APIv3 notification reached a server configured for APIv2 (WXPAY_API_VERSION=v2). */
function v3NotEnabled() {
  return wxPayError('notify', 'V3_NOT_ENABLED', 'APIv3 is not configured (WXPAY_API_VERSION=v2)');
}
