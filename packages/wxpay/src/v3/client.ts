import { createAgent } from '../http.js';
import { MemoryTokenCache } from '../token-cache.js';
import { downloadPlatformCertificates } from './certificate-download.js';
import { validateV3Options } from './client-options.js';
import type { V3PayClientOptions } from './client-options.js';
import { firstKeySource } from './key-sources.js';
import type { PlatformCertificate } from './keys.js';
import { parseV3Notification } from './notification.js';
import type { V3Notification } from './notification.js';
import { buildV3MiniProgramPayParams } from './pay-sign.js';
import type { V3MiniProgramPayParams } from './pay-sign.js';
import { PlatformCertificateStore } from './platform-certificates.js';
import { createRequestSigner } from './request-signature.js';
import { downloadFundFlowBill } from './fund-flow-bill.js';
import { downloadTradeBill } from './trade-bill.js';
import { replyJson, sendV3 } from './transport.js';
import type { V3Transport } from './transport.js';
import type {
  V3H5PrepayRequest,
  V3JsapiPrepayRequest,
  V3PrepayRequest,
  V3Refund,
  V3RefundRequest,
  V3FundFlowBill,
  V3FundFlowBillRequest,
  V3TradeBill,
  V3TradeBillRequest,
  V3Transaction,
} from './types.js';
import {
  Problems,
  checkFen,
  checkNonEmptyString,
  checkOutRefundNo,
  checkOutTradeNo,
  checkTransactionId,
} from './validate.js';
import { createV3Verifier } from './verifier.js';
import type { SignedMessage, V3Verifier } from './verifier.js';

/** The APIv3 merchant client (docs/protocol.md §6). Every reply's signature is verified. */
export interface V3PayClient {
  /** JSAPI and mini-program: `POST /v3/pay/transactions/jsapi` → `{prepay_id}`. */
  prepayJsapi(request: V3JsapiPrepayRequest): Promise<{ prepay_id: string }>;
  /** `POST /v3/pay/transactions/app` → `{prepay_id}`. */
  prepayApp(request: V3PrepayRequest): Promise<{ prepay_id: string }>;
  /** `POST /v3/pay/transactions/native` → `{code_url}` (shown as a QR code). */
  prepayNative(request: V3PrepayRequest): Promise<{ code_url: string }>;
  /** `POST /v3/pay/transactions/h5` → `{h5_url}`. */
  prepayH5(request: V3H5PrepayRequest): Promise<{ h5_url: string }>;
  /** `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=`. */
  queryByOutTradeNo(outTradeNo: string): Promise<V3Transaction>;
  /** `GET /v3/pay/transactions/id/{transaction_id}?mchid=`. */
  queryByTransactionId(transactionId: string): Promise<V3Transaction>;
  /** `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` → 204. */
  closeOrder(outTradeNo: string): Promise<void>;
  /** `POST /v3/refund/domestic/refunds`. */
  refund(request: V3RefundRequest): Promise<V3Refund>;
  /** `GET /v3/refund/domestic/refunds/{out_refund_no}`. */
  queryRefund(outRefundNo: string): Promise<V3Refund>;
  /** `GET /v3/bill/tradebill`, then the file, checked against its SHA1. */
  tradeBill(request: V3TradeBillRequest): Promise<V3TradeBill>;
  /** `GET /v3/bill/fundflowbill`, then the file, checked against its SHA1. */
  fundFlowBill(request: V3FundFlowBillRequest): Promise<V3FundFlowBill>;
  /** `wx.requestPayment` parameters (`signType: 'RSA'`) for a prepay_id of this client's appId. */
  miniProgramPayParams(prepayId: string, appId?: string): V3MiniProgramPayParams;
  /** Verifies and decrypts a notification with this client's keys. */
  parseNotification<R = Record<string, unknown>>(
    message: SignedMessage,
  ): Promise<V3Notification<R>>;
  /** The platform certificates now valid (certificate mode; downloads if none are cached). */
  platformCertificates(): Promise<PlatformCertificate[]>;
  /** Checks replies and notifications; usable on its own. */
  readonly verifier: V3Verifier;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

/**
 * Creates an APIv3 client. Options are checked first (one `config` `INVALID_OPTIONS` error
 * listing every problem). Requests are checked before sending (`INVALID_ARGUMENT`: amounts in
 * integer fen, out_trade_no shape…). Failures: `WxPayV3ApiError` for a non-2xx reply (WeChat's
 * `code`), `signature` errors for a reply that does not verify, `transport` errors.
 */
export function createV3PayClient(options: V3PayClientOptions): V3PayClient {
  const settings = validateV3Options(options);
  const now = options.now ?? Date.now;
  const dispatcher = createAgent({
    timeoutMs: settings.timeoutMs,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  const transport: V3Transport = {
    baseUrl: settings.baseUrl,
    dispatcher,
    timeoutMs: settings.timeoutMs,
    maxReplyBytes: settings.maxReplyBytes,
    signer: createRequestSigner({
      mchId: settings.mchId,
      serialNo: settings.merchantSerialNo,
      privateKey: settings.privateKey,
    }),
    now,
  };
  const certificateMode =
    options.platformCertificateCache !== undefined || settings.publicKeySource === undefined;
  const store = certificateMode
    ? new PlatformCertificateStore({
        mchId: settings.mchId,
        cache: options.platformCertificateCache ?? new MemoryTokenCache({ now }),
        download: () => downloadPlatformCertificates(transport, settings.apiV3Key),
        now,
      })
    : undefined;
  const sources = [settings.publicKeySource, store].filter((s) => s !== undefined);
  const verifier = createV3Verifier({
    keys: firstKeySource(...sources),
    now,
    ...(options.maxSkewSeconds === undefined ? {} : { maxSkewSeconds: options.maxSkewSeconds }),
  });

  const mchQuery = `mchid=${encodeURIComponent(settings.mchId)}`;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const label = `${method} ${path.replace(/\?.*$/, '')}`;
    const reply = await sendV3(transport, { method, path, label, body }, verifier);
    return replyJson<T>(reply, label);
  }

  // Async, so a refused request is a rejected promise like every other failure.
  async function prepay<T>(kind: string, request: V3PrepayRequest, check?: (p: Problems) => void) {
    const body = { ...request, appid: request.appid ?? settings.appId, mchid: settings.mchId };
    const problems = new Problems();
    if (request.mchid !== undefined && request.mchid !== settings.mchId) {
      problems.add(`mchid is filled by the client (${settings.mchId}); leave it out`);
    }
    checkPrepay(body, problems);
    check?.(problems);
    problems.throwIfAny(`prepay${kind}`);
    return call<T>('POST', `/v3/pay/transactions/${kind.toLowerCase()}`, body);
  }

  return {
    verifier,
    prepayJsapi: (request) =>
      prepay('Jsapi', request, (p) =>
        checkNonEmptyString(request.payer?.openid, 'payer.openid', p),
      ),
    prepayApp: (request) => prepay('App', request),
    prepayNative: (request) => prepay('Native', request),
    prepayH5: (request) =>
      prepay('H5', request, (p) =>
        checkNonEmptyString(request.scene_info?.payer_client_ip, 'scene_info.payer_client_ip', p),
      ),
    async queryByOutTradeNo(outTradeNo) {
      const problems = new Problems();
      checkOutTradeNo(outTradeNo, problems);
      problems.throwIfAny('queryByOutTradeNo');
      return call(
        'GET',
        `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?${mchQuery}`,
      );
    },
    async queryByTransactionId(transactionId) {
      const problems = new Problems();
      checkTransactionId(transactionId, problems);
      problems.throwIfAny('queryByTransactionId');
      return call('GET', `/v3/pay/transactions/id/${transactionId}?${mchQuery}`);
    },
    async closeOrder(outTradeNo) {
      const problems = new Problems();
      checkOutTradeNo(outTradeNo, problems);
      problems.throwIfAny('closeOrder');
      const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`;
      await sendV3(
        transport,
        {
          method: 'POST',
          path,
          label: 'POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close',
          body: { mchid: settings.mchId },
        },
        verifier,
      );
    },
    async refund(request) {
      const problems = new Problems();
      checkRefund(request, problems);
      problems.throwIfAny('refund');
      return call('POST', '/v3/refund/domestic/refunds', request);
    },
    async queryRefund(outRefundNo) {
      const problems = new Problems();
      checkOutRefundNo(outRefundNo, problems);
      problems.throwIfAny('queryRefund');
      return call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`);
    },
    tradeBill: (request) => downloadTradeBill(transport, verifier, request, settings.maxBillBytes),
    fundFlowBill: (request) =>
      downloadFundFlowBill(transport, verifier, request, settings.maxBillBytes),
    miniProgramPayParams: (prepayId, appId = settings.appId ?? '') =>
      buildV3MiniProgramPayParams({
        appId,
        prepayId,
        privateKey: settings.privateKey,
        timeStamp: Math.floor(now() / 1000),
      }),
    parseNotification: (message) =>
      parseV3Notification(message, { verifier, apiV3Key: settings.apiV3Key }),
    platformCertificates: async () => (store === undefined ? [] : store.certificates()),
    close: () => dispatcher.close(),
  };
}

function checkPrepay(body: V3PrepayRequest, problems: Problems): void {
  if (typeof body.appid !== 'string' || !/^wx[0-9A-Za-z]{16}$/.test(body.appid)) {
    problems.add('appid must be "wx" + 16 letters or digits (or set appId on the client)');
  }
  checkNonEmptyString(body.description, 'description', problems, 127);
  checkOutTradeNo(body.out_trade_no, problems);
  checkNonEmptyString(body.notify_url, 'notify_url', problems);
  checkFen(body.amount?.total, 'amount.total', problems);
  if (body.amount?.currency !== undefined && body.amount.currency !== 'CNY') {
    problems.add('amount.currency must be CNY');
  }
}

function checkRefund(request: V3RefundRequest, problems: Problems): void {
  if (request.transaction_id !== undefined) checkTransactionId(request.transaction_id, problems);
  else checkOutTradeNo(request.out_trade_no, problems);
  checkOutRefundNo(request.out_refund_no, problems);
  checkFen(request.amount?.refund, 'amount.refund', problems);
  checkFen(request.amount?.total, 'amount.total', problems);
  if (request.amount?.currency !== 'CNY') problems.add('amount.currency must be CNY');
  const { refund, total } = request.amount ?? {};
  if (typeof refund === 'number' && typeof total === 'number' && refund > total) {
    problems.add('amount.refund must not exceed amount.total');
  }
}
