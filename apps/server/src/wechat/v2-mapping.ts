import { isWxPayError, parseWxTime } from '@fen/wxpay';
import { WeChatFailure } from './failure.js';
import type { WeChatFailureReason } from './failure.js';
import type {
  PaymentNotificationReport,
  PrepayAttempt,
  RefundNotificationReport,
  WeChatPayment,
  WeChatRefund,
} from './payment-reports.js';
import { fenOf, paymentStateOf, refundStateOf } from './wechat-words.js';

/**
 * APIv2's replies and notifications (docs/protocol.md §3, §4) → the server's types. Every function here
 * is pure; the wire names stop here.
 */
type Fields = Record<string, string>;

/** `time_end` (`yyyyMMddHHmmss`, Beijing) → a Date, or undefined when absent or malformed. */
function timeOf(timeEnd: string | undefined): Date | undefined {
  if (!timeEnd) return undefined;
  try {
    return parseWxTime(timeEnd);
  } catch {
    return undefined;
  }
}

/** A field's value, or nothing for an absent or empty one. */
function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** unifiedorder's reply → the attempt it placed. */
export function v2PrepayAttempt(reply: Fields): PrepayAttempt {
  return {
    prepayId: reply.prepay_id ?? '',
    ...(reply.code_url ? { codeUrl: reply.code_url } : {}),
    ...(reply.mweb_url ? { mwebUrl: reply.mweb_url } : {}),
  };
}

/** What a payment reply or notification says was paid. */
function paidParts(fields: Fields): Pick<WeChatPayment, 'transactionId' | 'totalFen' | 'paidAt'> {
  const transactionId = present(fields.transaction_id);
  const totalFen = fenOf(fields.total_fee);
  const paidAt = timeOf(fields.time_end);
  return {
    ...(transactionId ? { transactionId } : {}),
    ...(totalFen !== undefined ? { totalFen } : {}),
    ...(paidAt ? { paidAt } : {}),
  };
}

/** orderquery's reply → the payment. */
export function v2Payment(reply: Fields): WeChatPayment {
  return {
    outTradeNo: reply.out_trade_no ?? '',
    state: paymentStateOf(reply.trade_state),
    ...paidParts(reply),
  };
}

/** A verified payment notification → its report (result_code FAIL is a genuine failed payment). */
export function v2PaymentNotification(fields: Fields): PaymentNotificationReport {
  const paid = fields.result_code === 'SUCCESS';
  return {
    outTradeNo: fields.out_trade_no ?? '',
    outcome: paid ? 'PAID' : 'FAILED',
    ...paidParts(fields),
    ...(present(fields.appid) ? { appId: fields.appid } : {}),
    ...(present(fields.fee_type) ? { currency: fields.fee_type } : {}),
    ...(!paid && fields.err_code !== undefined ? { failureCode: fields.err_code } : {}),
    notificationId: fields.nonce_str ?? '',
    trust: 'AS_REPORTED',
    record: fields,
  };
}

/** A refund notification's decrypted req_info → its report, to be confirmed by refundquery. */
export function v2RefundNotification(info: Fields): RefundNotificationReport {
  const refundFen = fenOf(info.refund_fee);
  const refund: WeChatRefund = {
    outRefundNo: info.out_refund_no ?? '',
    outTradeNo: info.out_trade_no ?? '',
    ...(info.refund_id !== undefined ? { refundId: info.refund_id } : {}),
    ...(present(info.transaction_id) ? { transactionId: info.transaction_id } : {}),
    state: refundStateOf(info.refund_status),
    ...(refundFen !== undefined ? { refundFen } : {}),
  };
  return { refund, trust: 'CONFIRM_BY_QUERY', record: info };
}

/**
 * refundquery's reply lists refunds under numbered fields (`out_refund_no_0`…): the one named
 * `outRefundNo`, or undefined when the reply does not list it.
 */
export function v2QueriedRefund(reply: Fields, outRefundNo: string): WeChatRefund | undefined {
  const count = Number(reply.refund_count ?? '0');
  for (let n = 0; n < count; n += 1) {
    if (reply[`out_refund_no_${n}`] !== outRefundNo) continue;
    const refundId = present(reply[`refund_id_${n}`]);
    const refundFen = fenOf(reply[`refund_fee_${n}`]);
    return {
      outRefundNo,
      outTradeNo: reply.out_trade_no ?? '',
      ...(refundId ? { refundId } : {}),
      ...(present(reply.transaction_id) ? { transactionId: reply.transaction_id } : {}),
      state: refundStateOf(reply[`refund_status_${n}`]),
      ...(refundFen !== undefined ? { refundFen } : {}),
    };
  }
  return undefined;
}

/** APIv2 err_codes the services decide on (docs/protocol.md §3, each API's error table). */
const REASONS: Record<string, WeChatFailureReason> = {
  ORDERPAID: 'ORDER_PAID',
  ORDERCLOSED: 'ORDER_CLOSED',
  ORDERNOTEXIST: 'ORDER_NOT_FOUND',
  REFUNDNOTEXIST: 'REFUND_NOT_FOUND',
  NOTENOUGH: 'NOT_ENOUGH',
  // WeChat says to retry these with the same parameters.
  SYSTEMERROR: 'BUSY',
  BIZERR_NEED_RETRY: 'BUSY',
  FREQUENCY_LIMITED: 'BUSY',
};

/**
 * A failed APIv2 call → a {@link WeChatFailure}: no answer is UNREACHABLE, a business refusal
 * is read from its err_code, and any other wire failure (protocol, signature, arguments) is
 * REFUSED. What is not a wire failure (a bug, a missing appid) passes through unchanged.
 */
export function v2Failure(err: unknown): unknown {
  if (!isWxPayError(err)) return err;
  const reason: WeChatFailureReason =
    err.kind === 'transport'
      ? 'UNREACHABLE'
      : ((err.kind === 'business' ? REASONS[err.code] : undefined) ?? 'REFUSED');
  return new WeChatFailure(reason, err.code, err);
}
