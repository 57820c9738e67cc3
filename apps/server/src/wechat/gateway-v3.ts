import {
  buildV3JsapiPayParams,
  buildV3MiniProgramPayParams,
  createV3PayClient,
  isV3ApiError,
  loadPrivateKey,
  parseBill,
  nonceStr,
  rsaSign,
  timeStampSeconds,
  wxPayError,
} from '@fen/wxpay';
import type {
  TokenCache,
  TokenFetchGuard,
  V3H5PrepayRequest,
  V3JsapiPrepayRequest,
  V3Notification,
  V3Refund,
  V3Transaction,
} from '@fen/wxpay';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { channelAppIds, paymentDataFor } from '../services/pay-channels.js';
import type { WeChatFailureReason } from './failure.js';
import { createWeChatGateway } from './gateway.js';
import type { WeChatGateway } from './gateway.js';
import type { PaySigner } from './pay-signer.js';
import { refusal } from './refused-notification.js';
import { downloadFundFlowBill } from './fund-flow-bill.js';
import { tradeBillRows } from './trade-bill.js';
import type { NotificationRequest } from './payment-reports.js';
import { v2Failure } from './v2-mapping.js';
import {
  v3Failure,
  v3Payment,
  v3PaymentRecord,
  v3PrepayAttempt,
  v3Refund,
  v3RefundRecord,
  v3PrepayRequest,
  v3RefundRequest,
} from './v3-mapping.js';

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
  fetchGuard?: TokenFetchGuard,
): WeChatGateway {
  const { pay, wx } = config;
  const v3 = pay.v3;
  if (pay.apiVersion !== 'v3' || !v3) {
    throw new Error('createV3WeChatGateway needs WXPAY_API_VERSION=v3 and its settings');
  }
  const base = createWeChatGateway(config, tokenCache, fetchGuard);
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
  const appIds = new Set(Object.values(channelAppIds(wx)).filter((id) => id !== undefined));
  const addressee = { appIds: [...appIds], mchId: pay.mchId };

  /** Runs one Pay call, turning its failure into a WeChatFailure (`notFound`: what was missing). */
  async function payCall<T>(work: () => Promise<T>, notFound?: WeChatFailureReason): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw v2Failure(v3Failure(err, notFound));
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

  const signer: PaySigner = {
    miniProgram: (appId, prepayId) => buildV3MiniProgramPayParams({ appId, prepayId, privateKey }),
    jsapi: (appId, prepayId) => buildV3JsapiPayParams({ appId, prepayId, privateKey }),
    app: appParams,
  };

  /** Verifies and opens an APIv3 notification of one kind; an APIv2 one goes to `base`. */
  async function openV3<R>(
    request: NotificationRequest,
    what: string,
    expected: (eventType: string) => boolean,
  ): Promise<V3Notification<R & { mchid?: unknown; appid?: unknown }>> {
    const notification = await client.parseNotification<R & { mchid?: unknown; appid?: unknown }>(
      request,
    );
    if (!expected(notification.event_type)) {
      throw wxPayError(
        'notify',
        'NOTIFY_EVENT_UNEXPECTED',
        `${what}: event_type ${notification.event_type} is not expected here`,
      );
    }
    checkOwner(notification.resource, what);
    return notification;
  }

  return {
    ...base,
    prepay: ({ appId = wx.appId, unifiedOrderParams }) =>
      payCall(async () => {
        const { kind, body } = v3PrepayRequest(unifiedOrderParams, appId);
        switch (kind) {
          case 'jsapi':
            return v3PrepayAttempt(await client.prepayJsapi(body as V3JsapiPrepayRequest));
          case 'app':
            return v3PrepayAttempt(await client.prepayApp(body));
          case 'native':
            return v3PrepayAttempt(await client.prepayNative(body));
          case 'h5':
            return v3PrepayAttempt(await client.prepayH5(body as V3H5PrepayRequest));
        }
      }),
    queryPayment: (outTradeNo) =>
      payCall(async () => v3Payment(await client.queryByOutTradeNo(outTradeNo))),
    closePayment: (outTradeNo) => payCall(() => client.closeOrder(outTradeNo)),
    refund: (request) =>
      payCall(async () => {
        const { refund_id: refundId } = await client.refund(v3RefundRequest(request));
        return refundId ? { refundId } : {};
      }),
    queryRefund: (outRefundNo) =>
      payCall(async () => v3Refund(await client.queryRefund(outRefundNo)), 'REFUND_NOT_FOUND'),
    paymentData: (channel, attempt) =>
      paymentDataFor(channel, { appId: base.appIdFor(channel) ?? wx.appId, ...attempt }, signer),
    async tradeBill(date) {
      try {
        // The file's SHA1 is checked against the signed hash_value by the client.
        const { text } = await client.tradeBill({
          bill_date: date,
          bill_type: 'ALL',
          tar_type: 'GZIP',
        });
        return { exists: true, ...tradeBillRows(parseBill(text)) };
      } catch (err) {
        if (isV3ApiError(err, 'NO_STATEMENT_EXIST')) return { exists: false };
        throw err;
      }
    },
    fundFlowBill: (date) =>
      downloadFundFlowBill(async () => {
        // The file's SHA1 is checked against the signed hash_value by the client.
        const { text } = await client.fundFlowBill({
          bill_date: date,
          account_type: 'BASIC',
          tar_type: 'GZIP',
        });
        return text;
      }),
    async parsePaymentNotification(request) {
      if (request.api === 'v2') return base.parsePaymentNotification(request);
      try {
        const { id, resource } = await openV3<V3Transaction>(
          request,
          'payment notification',
          (type) => type === 'TRANSACTION.SUCCESS',
        );
        const { state, ...payment } = v3Payment(resource);
        return {
          accepted: true,
          report: {
            ...payment,
            ...(typeof resource.appid === 'string' ? { appId: resource.appid } : {}),
            ...(resource.amount?.currency ? { currency: resource.amount.currency } : {}),
            // A TRANSACTION.SUCCESS that does not say SUCCESS changes nothing (as APIv2's FAIL).
            outcome: state === 'PAID' ? 'PAID' : 'FAILED',
            notificationId: id,
            trust: 'AS_REPORTED',
            record: v3PaymentRecord(resource, id),
          },
        };
      } catch (err) {
        return refusal(err, request, addressee);
      }
    },
    async parseRefundNotification(request) {
      if (request.api === 'v2') return base.parseRefundNotification(request);
      try {
        const { resource } = await openV3<V3Refund>(request, 'refund notification', (type) =>
          type.startsWith('REFUND.'),
        );
        // AEAD_AES_256_GCM authenticates the resource: its outcome stands as reported.
        return {
          accepted: true,
          report: {
            refund: v3Refund(resource),
            trust: 'AS_REPORTED',
            record: v3RefundRecord(resource),
          },
        };
      } catch (err) {
        return refusal(err, request, addressee);
      }
    },
    async close() {
      await Promise.allSettled([client.close(), base.close()]);
    },
  };
}
