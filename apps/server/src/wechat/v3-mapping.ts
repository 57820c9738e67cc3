import { formatWxTime, isV3ApiError, parseWxTime, wxPayError } from '@fen/wxpay';
import type {
  V3H5PrepayRequest,
  V3PrepayRequest,
  V3Refund,
  V3RefundRequest,
  V3Transaction,
} from '@fen/wxpay';
import { WeChatFailure } from './failure.js';
import type { WeChatFailureReason } from './failure.js';
import type {
  PrepayAttempt,
  RefundRequest,
  WeChatPayment,
  WeChatRefund,
} from './payment-reports.js';
import {
  fenOf,
  isTradeType,
  paymentStateOf,
  refundStateOf,
  V3_PREPAY_PATHS,
} from './wechat-words.js';
import type { V3PrepayKind } from './wechat-words.js';

/**
 * APIv3's JSON (docs/protocol.md §6) ↔ the server's types. The order's stored unifiedorder fields are the
 * one input under APIv2 names: they are what every attempt re-sends. Every function here is pure.
 */
type Fields = Record<string, string>;

/** `yyyyMMddHHmmss` (Beijing) → RFC 3339 with `+08:00`, as APIv3's `time_expire` wants it. */
export function wxTimeToRfc3339(wxTime: string): string {
  parseWxTime(wxTime); // refuses a malformed time before it reaches WeChat
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) =>
    wxTime.slice(at, at + (i === 0 ? 4 : 2)),
  );
  return `${y}-${mo}-${d}T${h}:${mi}:${s}+08:00`;
}

/** RFC 3339 (`success_time`) → a Date, or undefined when absent or malformed. */
export function rfc3339ToDate(rfc3339: string | undefined): Date | undefined {
  if (!rfc3339) return undefined;
  const ms = Date.parse(rfc3339);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * The order's stored unifiedorder fields → the APIv3 prepay path and body (docs/protocol.md §6,
 * `/v3/pay/transactions/{jsapi|app|native|h5}`). Derived only from the stored fields, so every
 * attempt sends the identical body (WeChat refuses the same out_trade_no with another body).
 */
export function v3PrepayRequest(
  params: Fields,
  appId: string,
): { kind: V3PrepayKind; body: V3PrepayRequest } {
  const tradeType = params.trade_type;
  if (!isTradeType(tradeType)) {
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `no APIv3 prepay for trade_type ${tradeType ?? '(none)'}`,
    );
  }
  const kind = V3_PREPAY_PATHS[tradeType];
  const body: V3PrepayRequest = {
    appid: appId,
    description: params.body ?? '',
    out_trade_no: params.out_trade_no ?? '',
    notify_url: params.notify_url ?? '',
    amount: { total: Number(params.total_fee), currency: 'CNY' },
    ...(params.time_expire ? { time_expire: wxTimeToRfc3339(params.time_expire) } : {}),
    ...(params.attach ? { attach: params.attach } : {}),
    // APIv2's spbill_create_ip; optional in APIv3 except for H5, sent always for risk control.
    ...(params.spbill_create_ip
      ? { scene_info: { payer_client_ip: params.spbill_create_ip } }
      : {}),
  };
  if (kind === 'jsapi') return { kind, body: { ...body, payer: { openid: params.openid ?? '' } } };
  if (kind === 'h5') {
    // APIv2's scene_info is a JSON string {h5_info: {type, wap_url, wap_name}}; APIv3 names the
    // same things app_url / app_name and wants the payer's IP beside them.
    const scene = parseScene(params.scene_info);
    const h5: V3H5PrepayRequest['scene_info'] = {
      payer_client_ip: params.spbill_create_ip ?? '',
      h5_info: {
        type: scene.type ?? 'Wap',
        ...(scene.wap_name ? { app_name: scene.wap_name } : {}),
        ...(scene.wap_url ? { app_url: scene.wap_url } : {}),
      },
    };
    return { kind, body: { ...body, scene_info: h5 } };
  }
  return { kind, body };
}

function parseScene(sceneInfo: string | undefined): Record<string, string | undefined> {
  try {
    const parsed = JSON.parse(sceneInfo ?? '{}') as { h5_info?: Record<string, string> };
    return parsed.h5_info ?? {};
  } catch {
    return {};
  }
}

/**
 * A prepay reply → the attempt it placed. Native and H5 replies carry no prepay_id; the
 * attempt's handle is then the code_url (Native) or the prepay_id inside h5_url, which is what
 * the order stores as "an attempt was placed".
 */
export function v3PrepayAttempt(reply: {
  prepay_id?: string;
  code_url?: string;
  h5_url?: string;
}): PrepayAttempt {
  const h5PrepayId = reply.h5_url ? /[?&]prepay_id=([^&]+)/.exec(reply.h5_url)?.[1] : undefined;
  const prepayId =
    reply.prepay_id ?? (h5PrepayId && decodeURIComponent(h5PrepayId)) ?? reply.code_url;
  return {
    prepayId: prepayId ?? '',
    ...(reply.code_url ? { codeUrl: reply.code_url } : {}),
    ...(reply.h5_url ? { mwebUrl: reply.h5_url } : {}),
  };
}

/** A transaction (query reply or TRANSACTION.SUCCESS resource) → the payment. */
export function v3Payment(tx: V3Transaction): WeChatPayment {
  const totalFen = fenOf(tx.amount?.total);
  const paidAt = rfc3339ToDate(tx.success_time);
  return {
    outTradeNo: tx.out_trade_no,
    state: paymentStateOf(tx.trade_state),
    ...(tx.transaction_id ? { transactionId: tx.transaction_id } : {}),
    ...(totalFen !== undefined ? { totalFen } : {}),
    ...(paidAt ? { paidAt } : {}),
  };
}

/** A refund (reply, query or REFUND.* resource, which says `refund_status`) → the refund. */
export function v3Refund(refund: Partial<V3Refund> & { refund_status?: string }): WeChatRefund {
  const refundFen = fenOf(refund.amount?.refund);
  return {
    outRefundNo: refund.out_refund_no ?? '',
    outTradeNo: refund.out_trade_no ?? '',
    ...(refund.refund_id !== undefined ? { refundId: refund.refund_id } : {}),
    ...(refund.transaction_id ? { transactionId: refund.transaction_id } : {}),
    state: refundStateOf(refund.status ?? refund.refund_status),
    ...(refundFen !== undefined ? { refundFen } : {}),
  };
}

/** A refund to ask for → the APIv3 refund body. */
export function v3RefundRequest(request: RefundRequest): V3RefundRequest {
  return {
    out_trade_no: request.outTradeNo,
    out_refund_no: request.outRefundNo,
    ...(request.reason ? { reason: request.reason } : {}),
    notify_url: request.notifyUrl,
    amount: { refund: request.refundFen, total: request.totalFen, currency: 'CNY' },
  };
}

/** APIv3 error codes the services decide on (docs/protocol.md §6, error codes). */
const REASONS: Record<string, WeChatFailureReason> = {
  ORDER_NOT_EXIST: 'ORDER_NOT_FOUND',
  ORDER_CLOSED: 'ORDER_CLOSED',
  ORDERPAID: 'ORDER_PAID',
  NOT_ENOUGH: 'NOT_ENOUGH',
  // WeChat says to retry these with the same parameters.
  SYSTEM_ERROR: 'BUSY',
  SYSTEMERROR: 'BUSY',
  FREQUENCY_LIMITED: 'BUSY',
  BIZERR_NEED_RETRY: 'BUSY',
};

/**
 * A failed APIv3 call → a {@link WeChatFailure}. `RESOURCE_NOT_EXISTS` says nothing of what was
 * missing: the caller names it (`notFound`). A 5xx without a known code is WeChat being busy. A
 * wire failure that is not an API error reply (transport, signature) is left to `v2Failure`.
 */
export function v3Failure(
  err: unknown,
  notFound: WeChatFailureReason = 'ORDER_NOT_FOUND',
): unknown {
  if (!isV3ApiError(err)) return err;
  const reason =
    err.code === 'RESOURCE_NOT_EXISTS' || err.code === 'NOT_FOUND'
      ? notFound
      : (REASONS[err.code] ?? (err.status >= 500 ? 'BUSY' : 'REFUSED'));
  return new WeChatFailure(reason, err.code, err);
}

/**
 * What an APIv3 payment notification is stored as: the fields payment events have always held
 * (APIv2's names for the same facts, `time_end` in Beijing time), so one stored shape serves
 * both APIs. Only storage reads it.
 */
export function v3PaymentRecord(tx: V3Transaction, notificationId: string): Fields {
  return compact({
    appid: tx.appid,
    mch_id: tx.mchid,
    out_trade_no: tx.out_trade_no,
    trade_state: tx.trade_state,
    trade_state_desc: tx.trade_state_desc,
    transaction_id: tx.transaction_id,
    trade_type: tx.trade_type,
    bank_type: tx.bank_type,
    attach: tx.attach,
    openid: tx.payer?.openid,
    total_fee: amountText(tx.amount?.total),
    cash_fee: amountText(tx.amount?.payer_total),
    fee_type: tx.amount?.currency,
    time_end: tx.success_time && timeText(tx.success_time),
    notification_id: notificationId,
  });
}

/** What an APIv3 refund notification is stored as (see {@link v3PaymentRecord}). */
export function v3RefundRecord(refund: Partial<V3Refund> & { refund_status?: string }): Fields {
  return compact({
    mch_id: typeof refund.mchid === 'string' ? refund.mchid : undefined,
    out_trade_no: refund.out_trade_no,
    transaction_id: refund.transaction_id,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_status: refundStateOf(refund.status ?? refund.refund_status),
    total_fee: amountText(refund.amount?.total),
    refund_fee: amountText(refund.amount?.refund),
    settlement_refund_fee: amountText(refund.amount?.payer_refund),
    success_time: refund.success_time,
    refund_recv_accout: refund.user_received_account,
  });
}

function timeText(rfc3339: string): string | undefined {
  const date = rfc3339ToDate(rfc3339);
  return date && formatWxTime(date);
}

function amountText(value: number | undefined): string | undefined {
  return typeof value === 'number' ? String(value) : undefined;
}

function compact(fields: Record<string, string | undefined>): Fields {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
