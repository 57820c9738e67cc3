import { formatWxTime, isV3ApiError, parseWxTime, wxPayError } from '@fen/wxpay';
import type {
  V3H5PrepayRequest,
  V3PrepayRequest,
  V3Refund,
  V3RefundRequest,
  V3Transaction,
} from '@fen/wxpay';

/**
 * Maps between the APIv2 field names the services read (`out_trade_no`, `total_fee`,
 * `time_end`…) and APIv3's JSON (docs/protocol.md §6): the services stay the same whichever API the
 * gateway speaks. Every function here is pure.
 */
type Fields = Record<string, string>;

export type V3PrepayKind = 'jsapi' | 'app' | 'native' | 'h5';

const KIND_OF_TRADE_TYPE: Record<string, V3PrepayKind> = {
  JSAPI: 'jsapi',
  APP: 'app',
  NATIVE: 'native',
  MWEB: 'h5',
};

/** `yyyyMMddHHmmss` (Beijing) → RFC 3339 with `+08:00`, as APIv3's `time_expire` wants it. */
export function wxTimeToRfc3339(wxTime: string): string {
  parseWxTime(wxTime); // refuses a malformed time before it reaches WeChat
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) =>
    wxTime.slice(at, at + (i === 0 ? 4 : 2)),
  );
  return `${y}-${mo}-${d}T${h}:${mi}:${s}+08:00`;
}

/** RFC 3339 (`success_time`) → `yyyyMMddHHmmss` in Beijing time (APIv2's `time_end`). */
export function rfc3339ToWxTime(rfc3339: string | undefined): string | undefined {
  if (!rfc3339) return undefined;
  const ms = Date.parse(rfc3339);
  return Number.isFinite(ms) ? formatWxTime(new Date(ms)) : undefined;
}

/** RFC 3339 → `yyyy-MM-dd HH:mm:ss` Beijing (APIv2's refund `success_time`). */
function rfc3339ToWxDateTime(rfc3339: string | undefined): string | undefined {
  const t = rfc3339ToWxTime(rfc3339);
  return (
    t &&
    `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`
  );
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
  const kind = KIND_OF_TRADE_TYPE[params.trade_type ?? ''];
  if (!kind) {
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `no APIv3 prepay for trade_type ${params.trade_type ?? '(none)'}`,
    );
  }
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
 * A prepay reply → what unifiedorder would have answered. Native and H5 replies carry no
 * prepay_id; the attempt's handle is then the code_url (Native) or the prepay_id inside h5_url,
 * which is what the order stores as "an attempt was placed".
 */
export function prepayReplyFields(
  kind: V3PrepayKind,
  reply: { prepay_id?: string; code_url?: string; h5_url?: string },
): Fields {
  const tradeType = { jsapi: 'JSAPI', app: 'APP', native: 'NATIVE', h5: 'MWEB' }[kind];
  const h5PrepayId = reply.h5_url ? /[?&]prepay_id=([^&]+)/.exec(reply.h5_url)?.[1] : undefined;
  const prepayId =
    reply.prepay_id ?? (h5PrepayId && decodeURIComponent(h5PrepayId)) ?? reply.code_url;
  return {
    return_code: 'SUCCESS',
    result_code: 'SUCCESS',
    trade_type: tradeType,
    ...(prepayId ? { prepay_id: prepayId } : {}),
    ...(reply.code_url ? { code_url: reply.code_url } : {}),
    ...(reply.h5_url ? { mweb_url: reply.h5_url } : {}),
  };
}

/** A transaction (query reply or TRANSACTION.SUCCESS resource) → orderquery's fields. */
export function transactionFields(tx: V3Transaction): Fields {
  const fields: Record<string, string | undefined> = {
    return_code: 'SUCCESS',
    result_code: tx.trade_state === 'SUCCESS' ? 'SUCCESS' : 'FAIL',
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
    time_end: rfc3339ToWxTime(tx.success_time),
  };
  return compact(fields);
}

/** APIv3 refund status → APIv2's refund_status. */
const REFUND_STATUS: Record<string, string> = {
  SUCCESS: 'SUCCESS',
  CLOSED: 'REFUNDCLOSE',
  PROCESSING: 'PROCESSING',
  ABNORMAL: 'CHANGE',
};

/** A refund (reply, query or REFUND.* resource) → APIv2's refund / req_info field names. */
export function refundFields(refund: Partial<V3Refund> & { refund_status?: string }): Fields {
  const status = refund.status ?? refund.refund_status ?? '';
  return compact({
    return_code: 'SUCCESS',
    result_code: 'SUCCESS',
    mch_id: typeof refund.mchid === 'string' ? refund.mchid : undefined,
    out_trade_no: refund.out_trade_no,
    transaction_id: refund.transaction_id,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_status: REFUND_STATUS[status] ?? status,
    total_fee: amountText(refund.amount?.total),
    refund_fee: amountText(refund.amount?.refund),
    settlement_refund_fee: amountText(refund.amount?.payer_refund),
    success_time: rfc3339ToWxDateTime(refund.success_time),
    refund_recv_accout: refund.user_received_account,
  });
}

/** A refund query reply → refundquery's indexed fields (one refund: index 0). */
export function refundQueryFields(refund: V3Refund): Fields {
  const one = refundFields(refund);
  return compact({
    return_code: 'SUCCESS',
    result_code: 'SUCCESS',
    out_trade_no: one.out_trade_no,
    transaction_id: one.transaction_id,
    total_fee: one.total_fee,
    refund_count: '1',
    out_refund_no_0: one.out_refund_no,
    refund_id_0: one.refund_id,
    refund_status_0: one.refund_status,
    refund_fee_0: one.refund_fee,
    refund_success_time_0: one.success_time,
  });
}

/** The services' refund fields (APIv2 names) → the APIv3 refund body. */
export function v3RefundRequest(params: Fields): V3RefundRequest {
  return {
    ...(params.transaction_id
      ? { transaction_id: params.transaction_id }
      : { out_trade_no: params.out_trade_no ?? '' }),
    out_refund_no: params.out_refund_no ?? '',
    ...(params.refund_desc ? { reason: params.refund_desc } : {}),
    ...(params.notify_url ? { notify_url: params.notify_url } : {}),
    amount: {
      refund: Number(params.refund_fee),
      total: Number(params.total_fee),
      currency: 'CNY',
    },
  };
}

/**
 * APIv3 error codes → the APIv2 err_codes the services decide on. Where APIv2 and APIv3 name
 * the same condition differently (ORDER_NOT_EXIST / ORDERNOTEXIST…), the services see APIv2's.
 */
const ERR_CODES: Record<string, string> = {
  ORDER_NOT_EXIST: 'ORDERNOTEXIST',
  ORDER_CLOSED: 'ORDERCLOSED',
  ORDERPAID: 'ORDERPAID',
  SYSTEM_ERROR: 'SYSTEMERROR',
  SYSTEMERROR: 'SYSTEMERROR',
  FREQUENCY_LIMITED: 'FREQUENCY_LIMITED',
  BIZERR_NEED_RETRY: 'BIZERR_NEED_RETRY',
  NOT_ENOUGH: 'NOTENOUGH',
  OUT_TRADE_NO_USED: 'OUT_TRADE_NO_USED',
};

/**
 * An APIv3 API error → the `business` WxPayError APIv2 would have raised, so failure handling
 * (retry, ORDERPAID, ORDERCLOSED, REFUNDNOTEXIST…) is one code path. A 5xx without a code is
 * WeChat being busy (SYSTEMERROR). Anything else (transport, signature) passes through.
 */
export function asBusinessError(err: unknown, notFoundCode = 'ORDERNOTEXIST'): unknown {
  if (!isV3ApiError(err)) return err;
  const code =
    err.code === 'RESOURCE_NOT_EXISTS' || err.code === 'NOT_FOUND'
      ? notFoundCode
      : (ERR_CODES[err.code] ?? (err.status >= 500 ? 'SYSTEMERROR' : err.code));
  return wxPayError('business', code, err.message, {
    errCode: code,
    errCodeDes: err.wechatMessage,
    httpStatus: err.status,
    cause: err,
  });
}

function amountText(value: number | undefined): string | undefined {
  return typeof value === 'number' ? String(value) : undefined;
}

function compact(fields: Record<string, string | undefined>): Fields {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
