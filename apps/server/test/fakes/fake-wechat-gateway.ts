import type { PayChannel } from '@fen/contracts';
import { paymentDataFor } from '../../src/services/pay-channels.js';
import { WeChatFailure } from '../../src/wechat/failure.js';
import type { WeChatFailureReason } from '../../src/wechat/failure.js';
import type { WeChatGateway } from '../../src/wechat/gateway.js';
import type { PaySigner } from '../../src/wechat/pay-signer.js';
import type {
  PaymentStateAtWeChat,
  RefundRequest,
  RefundStateAtWeChat,
  StoredAttempt,
  WeChatPayment,
  WeChatRefund,
} from '../../src/wechat/payment-reports.js';

/** One order as the fake WeChat holds it. */
export interface FakePayment {
  /** The stored parameters it was first placed with: a re-entry must send the same. */
  params: Record<string, string>;
  state: PaymentStateAtWeChat;
  totalFen: number;
  transactionId?: string;
  paidAt?: Date;
  prepayId: string;
}

type PayMethod = 'prepay' | 'queryPayment' | 'closePayment' | 'refund' | 'queryRefund';

/** A {@link WeChatGateway} that also lets a test see and steer what "WeChat" holds. */
export interface FakeWeChatGateway extends WeChatGateway {
  /** By out_trade_no. */
  readonly payments: Map<string, FakePayment>;
  /** By out_refund_no. */
  readonly refunds: Map<string, WeChatRefund>;
  /** Every Pay call, in order: the method and the out_trade_no / out_refund_no it named. */
  readonly calls: Array<{ method: PayMethod; key: string }>;
  /** The payer pays an order at WeChat (with another amount to simulate a mismatch). */
  payAtWeChat(outTradeNo: string, totalFen?: number): FakePayment;
  /** The next call of `method` fails with `reason` (WeChat's code `code`) instead. */
  failNext(method: PayMethod, reason: WeChatFailureReason, code?: string): void;
  /** WeChat finishes a refund. */
  settleRefund(outRefundNo: string, state: RefundStateAtWeChat): void;
}

/** Signed-looking parameters that only say what they stand for. */
const fakeSigner: PaySigner = {
  miniProgram: (appId, prepayId) => ({
    timeStamp: '1700000000',
    nonceStr: 'fake-nonce',
    package: `prepay_id=${prepayId}`,
    signType: 'MD5',
    paySign: `signed-for-${appId}`,
  }),
  jsapi: (appId, prepayId) => ({ appId, ...fakeSigner.miniProgram(appId, prepayId) }),
  app: (appId, prepayId) => ({
    appid: appId,
    partnerid: '1900000109',
    prepayid: prepayId,
    package: 'Sign=WXPay',
    noncestr: 'fake-nonce',
    timestamp: '1700000000',
    sign: `signed-for-${appId}`,
  }),
};

const CHANNEL_APP_IDS: Record<PayChannel, string | undefined> = {
  miniprogram: 'wxfe00000000000001',
  jsapi: 'wxfe00000000000002',
  app: 'wxfe00000000000003',
  native: 'wxfe00000000000002',
  h5: 'wxfe00000000000002',
};

/**
 * WeChat Pay in memory, for unit tests of the services: it keeps orders and refunds by their
 * numbers and answers as WeChat does where the services decide on it (ORDER_PAID when closing a
 * paid order, ORDER_CLOSED on re-entering a closed one, a re-entry with other parameters refused,
 * ORDER_NOT_FOUND / REFUND_NOT_FOUND for what it never saw). Notifications are not faked: the
 * notification services are covered end to end.
 */
export function createFakeWeChatGateway(
  appIds: Partial<Record<PayChannel, string | undefined>> = {},
): FakeWeChatGateway {
  const channelAppIds = { ...CHANNEL_APP_IDS, ...appIds };
  const payments = new Map<string, FakePayment>();
  const refunds = new Map<string, WeChatRefund>();
  const calls: FakeWeChatGateway['calls'] = [];
  const failures = new Map<PayMethod, WeChatFailure>();
  let serial = 0;

  /** Records the call, and throws the failure a test queued for it. */
  function call(method: PayMethod, key: string): void {
    calls.push({ method, key });
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      throw failure;
    }
  }
  const fail = (reason: WeChatFailureReason, code: string) =>
    new WeChatFailure(reason, code, new Error(`fake WeChat: ${code}`));
  const paymentOf = (outTradeNo: string): FakePayment => {
    const payment = payments.get(outTradeNo);
    if (!payment) throw fail('ORDER_NOT_FOUND', 'ORDERNOTEXIST');
    return payment;
  };

  const gateway: FakeWeChatGateway = {
    payments,
    refunds,
    calls,
    code2Session: (code) => Promise.resolve({ openid: `o-${code}` }),
    oauthOpenid: (code) => Promise.resolve({ openid: `o-oa-${code}` }),
    oauthAuthorizeUrl: (redirectUri, state) => `https://oauth.example/?r=${redirectUri}&s=${state}`,
    jssdkConfig: () => Promise.reject(new Error('not faked')),
    clearTokenQuota: () => Promise.reject(new Error('not faked')),
    tradeBill: () => Promise.reject(new Error('not faked')),
    fundFlowBill: () => Promise.reject(new Error('not faked')),
    shipping: {
      uploadShippingInfo: () => Promise.reject(new Error('not faked')),
      getShippingOrder: () => Promise.reject(new Error('not faked')),
      isTradeManaged: () => Promise.reject(new Error('not faked')),
      getDeliveryList: () => Promise.reject(new Error('not faked')),
    },
    appIdFor: (channel) => channelAppIds[channel],

    async prepay({ unifiedOrderParams: params }: StoredAttempt) {
      const outTradeNo = params.out_trade_no ?? '';
      call('prepay', outTradeNo);
      let payment = payments.get(outTradeNo);
      if (payment && JSON.stringify(payment.params) !== JSON.stringify(params)) {
        throw fail('REFUSED', 'INVALID_REQUEST'); // 201 商户订单号重复
      }
      if (payment?.state === 'PAID') throw fail('ORDER_PAID', 'ORDERPAID');
      if (payment?.state === 'CLOSED') throw fail('ORDER_CLOSED', 'ORDERCLOSED');
      if (!payment) {
        serial += 1;
        payment = {
          params: { ...params },
          state: 'NOT_PAID',
          totalFen: Number(params.total_fee),
          prepayId: `wx-fake-prepay-${serial}`,
        };
        payments.set(outTradeNo, payment);
      }
      return {
        prepayId: payment.prepayId,
        ...(params.trade_type === 'NATIVE' ? { codeUrl: `weixin://fake/${outTradeNo}` } : {}),
        ...(params.trade_type === 'MWEB' ? { mwebUrl: `https://fake.example/${outTradeNo}` } : {}),
      };
    },

    async queryPayment(outTradeNo): Promise<WeChatPayment> {
      call('queryPayment', outTradeNo);
      const { state, totalFen, transactionId, paidAt } = paymentOf(outTradeNo);
      return {
        outTradeNo,
        state,
        totalFen,
        ...(transactionId ? { transactionId } : {}),
        ...(paidAt ? { paidAt } : {}),
      };
    },

    async closePayment(outTradeNo) {
      call('closePayment', outTradeNo);
      const payment = paymentOf(outTradeNo);
      if (payment.state === 'PAID') throw fail('ORDER_PAID', 'ORDERPAID');
      payment.state = 'CLOSED';
    },

    async refund(request: RefundRequest) {
      call('refund', request.outRefundNo);
      const existing = refunds.get(request.outRefundNo);
      if (existing) return existing.refundId ? { refundId: existing.refundId } : {};
      serial += 1;
      const refundId = `50300-fake-${serial}`;
      refunds.set(request.outRefundNo, {
        outRefundNo: request.outRefundNo,
        outTradeNo: request.outTradeNo,
        refundId,
        state: 'PROCESSING',
        refundFen: request.refundFen,
      });
      return { refundId };
    },

    async queryRefund(outRefundNo) {
      call('queryRefund', outRefundNo);
      const refund = refunds.get(outRefundNo);
      if (!refund) throw fail('REFUND_NOT_FOUND', 'REFUNDNOTEXIST');
      return { ...refund };
    },

    paymentData: (channel, attempt) =>
      paymentDataFor(
        channel,
        { appId: channelAppIds[channel] ?? CHANNEL_APP_IDS.miniprogram ?? '', ...attempt },
        fakeSigner,
      ),
    parsePaymentNotification: () =>
      Promise.resolve({ accepted: false, code: 'NOT_FAKED', log: {} }),
    parseRefundNotification: () => Promise.resolve({ accepted: false, code: 'NOT_FAKED', log: {} }),
    close: () => Promise.resolve(),

    payAtWeChat(outTradeNo, totalFen) {
      const payment = paymentOf(outTradeNo);
      serial += 1;
      payment.state = 'PAID';
      payment.transactionId = `42000-fake-${serial}`;
      payment.paidAt = new Date('2026-12-01T04:05:09Z');
      if (totalFen !== undefined) payment.totalFen = totalFen;
      return payment;
    },
    failNext(method, reason, code = reason) {
      failures.set(method, fail(reason, code));
    },
    settleRefund(outRefundNo, state) {
      const refund = refunds.get(outRefundNo);
      if (!refund) throw new Error(`fake WeChat has no refund ${outRefundNo}`);
      refund.state = state;
    },
  };
  return gateway;
}
