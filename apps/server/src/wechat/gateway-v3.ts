import {
  buildV3JsapiPayParams,
  buildV3MiniProgramPayParams,
  createV3PayClient,
  loadPrivateKey,
  nonceStr,
  rsaSign,
  timeStampSeconds,
  wxPayError,
} from '@fen/wxpay';
import type {
  TokenCache,
  V3H5PrepayRequest,
  V3JsapiPrepayRequest,
  V3Refund,
  V3Transaction,
} from '@fen/wxpay';
import type { PaymentData } from '@fen/contracts';
import QRCode from 'qrcode';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createWeChatGateway } from './gateway.js';
import type { WeChatGateway } from './gateway.js';
import {
  asBusinessError,
  prepayReplyFields,
  refundFields,
  refundQueryFields,
  transactionFields,
  v3PrepayRequest,
  v3RefundRequest,
} from './v3-fields.js';

type Fields = Record<string, string>;

/**
 * The same {@link WeChatGateway}, speaking WeChat Pay APIv3 (docs/protocol.md §6) for all about
 * orders: prepay, query, close, refunds, RSA pay signatures and v3 notifications. Logins, OAuth
 * and the JS-SDK are not part of Pay and stay as they are; so does parsing APIv2 notifications,
 * so orders placed before a switch to v3 are still notified on `/wxpay/notify`.
 */
export function createV3WeChatGateway(
  config: Config,
  tokenCache: TokenCache,
  clock: Clock,
): WeChatGateway {
  const { pay, wx } = config;
  const v3 = pay.v3;
  if (pay.apiVersion !== 'v3' || !v3) {
    throw new Error('createV3WeChatGateway needs WXPAY_API_VERSION=v3 and its settings');
  }
  const base = createWeChatGateway(config, tokenCache);
  const privateKey = loadPrivateKey(v3.privateKeyPem, 'merchant private key');
  const client = createV3PayClient({
    mchId: pay.mchId,
    appId: wx.appId,
    privateKey,
    merchantSerialNo: v3.serialNo,
    apiV3Key: v3.apiV3Key,
    // Certificates (downloaded once, shared by every instance through the TokenCache) verify
    // what the certificate serials sign; with a public key too, `PUB_KEY_ID_…` is tried first,
    // which is how a merchant migrates from one mode to the other without a gap.
    platformCertificateCache: tokenCache,
    ...(v3.platformPublicKey
      ? { wechatPayPublicKey: { id: v3.platformPublicKey.id, key: v3.platformPublicKey.pem } }
      : {}),
    baseUrl: v3.apiBase,
    ...(pay.ca ? { ca: pay.ca } : {}),
    timeoutMs: pay.timeoutMs,
    // Request timestamps, the reply skew check and the certificate refresh follow WeChat's
    // wall clock (the system clock; tests move it with the sandbox's).
    now: () => clock.now().getTime(),
  });
  const appIds = new Set(
    (['miniprogram', 'jsapi', 'app', 'native', 'h5'] as const)
      .map((channel) => base.appIdFor(channel))
      .filter((id) => id !== undefined),
  );

  /** Runs one call, turning APIv3's error codes into the APIv2 ones the services decide on. */
  async function wechatCall<T>(work: () => Promise<T>, notFoundCode?: string): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw asBusinessError(err, notFoundCode);
    }
  }

  /** The decrypted resource must be this merchant's (and, for payments, one of our appids). */
  function checkOwner(resource: { mchid?: unknown; appid?: unknown }, what: string): void {
    if (resource.mchid !== pay.mchId) {
      throw wxPayError('notify', 'NOTIFY_MCHID_MISMATCH', `${what}: mchid is not ours`);
    }
    if (resource.appid !== undefined && !appIds.has(String(resource.appid))) {
      throw wxPayError('notify', 'NOTIFY_APPID_MISMATCH', `${what}: appid is not ours`);
    }
  }

  /**
   * APP pay under APIv3: `sign = base64(SHA256withRSA(appid\ntimestamp\nnoncestr\nprepayid\n))`
   * with `package: Sign=WXPay` (WeChat Pay APIv3, APP 调起支付).
   */
  function appParams(appId: string, prepayId: string) {
    const timestamp = timeStampSeconds();
    const noncestr = nonceStr(32);
    const sign = rsaSign(`${appId}\n${timestamp}\n${noncestr}\n${prepayId}\n`, privateKey);
    return {
      appid: appId,
      partnerid: pay.mchId,
      prepayid: prepayId,
      package: 'Sign=WXPay' as const,
      noncestr,
      timestamp,
      sign,
    };
  }

  return {
    ...base,
    async unifiedOrder(params, appId = wx.appId) {
      const { kind, body } = v3PrepayRequest(params, appId);
      return wechatCall(async () => {
        switch (kind) {
          case 'jsapi':
            return prepayReplyFields(kind, await client.prepayJsapi(body as V3JsapiPrepayRequest));
          case 'app':
            return prepayReplyFields(kind, await client.prepayApp(body));
          case 'native':
            return prepayReplyFields(kind, await client.prepayNative(body));
          case 'h5':
            return prepayReplyFields(kind, await client.prepayH5(body as V3H5PrepayRequest));
        }
      });
    },
    orderQuery: (outTradeNo) =>
      wechatCall(async () => transactionFields(await client.queryByOutTradeNo(outTradeNo))),
    closeOrder: (outTradeNo) =>
      wechatCall(async () => {
        await client.closeOrder(outTradeNo);
        return { return_code: 'SUCCESS', result_code: 'SUCCESS' };
      }),
    refund: (params) =>
      wechatCall(async () => refundFields(await client.refund(v3RefundRequest(params)))),
    refundQuery: (outRefundNo) =>
      wechatCall(
        async () => refundQueryFields(await client.queryRefund(outRefundNo)),
        'REFUNDNOTEXIST',
      ),
    payParams: (prepayId) => buildV3MiniProgramPayParams({ appId: wx.appId, prepayId, privateKey }),
    async paymentData(channel, attempt): Promise<PaymentData> {
      const appId = base.appIdFor(channel) ?? wx.appId;
      const { prepayId } = attempt;
      switch (channel) {
        case 'miniprogram':
          return {
            channel,
            payParams: buildV3MiniProgramPayParams({ appId, prepayId, privateKey }),
          };
        case 'jsapi':
          return { channel, payParams: buildV3JsapiPayParams({ appId, prepayId, privateKey }) };
        case 'app':
          return { channel, appParams: appParams(appId, prepayId) };
        case 'native': {
          const codeUrl = attempt.codeUrl ?? '';
          return { channel, codeUrl, qrSvg: await QRCode.toString(codeUrl, { type: 'svg' }) };
        }
        case 'h5':
          return { channel, mwebUrl: attempt.mwebUrl ?? '' };
      }
    },
    async parseV3PaymentNotification(message): Promise<Fields> {
      const notification = await client.parseNotification<V3Transaction>(message);
      if (notification.event_type !== 'TRANSACTION.SUCCESS') {
        throw wxPayError(
          'notify',
          'NOTIFY_EVENT_UNEXPECTED',
          `payment notification: event_type ${notification.event_type} is not TRANSACTION.SUCCESS`,
        );
      }
      checkOwner(notification.resource, 'payment notification');
      // The notification id stands in for APIv2's nonce_str (dedupe of failed-payment reports).
      return { ...transactionFields(notification.resource), nonce_str: notification.id };
    },
    async parseV3RefundNotification(message): Promise<{ info: Fields }> {
      const notification = await client.parseNotification<V3Refund & { mchid?: string }>(message);
      if (!notification.event_type.startsWith('REFUND.')) {
        throw wxPayError(
          'notify',
          'NOTIFY_EVENT_UNEXPECTED',
          `refund notification: event_type ${notification.event_type} is not REFUND.*`,
        );
      }
      checkOwner(notification.resource, 'refund notification');
      return { info: refundFields(notification.resource) };
    },
    async close() {
      await Promise.allSettled([client.close(), base.close()]);
    },
  };
}
