import { apiError } from '../state/identities.js';
import type { WxApiError } from '../state/identities.js';
import { isDeliveryId } from './delivery-companies.js';

/** How an API names a payment: WeChat's order_key (type 1: mchid + out_trade_no, type 2: transaction_id). */
export type OrderKey = { transactionId: string } | { mchId: string; outTradeNo: string };

export interface Parcel {
  tracking_no?: string;
  express_company?: string;
  item_desc: string;
  contact?: { consignor_contact?: string; receiver_contact?: string };
}

export interface ShippingUpload {
  orderKey: OrderKey;
  logisticsType: 1 | 2 | 3 | 4;
  deliveryMode: 1 | 2;
  isAllDelivered?: boolean;
  parcels: Parcel[];
  uploadTimeMs: number;
  payerOpenId: string;
}

export const MAX_PARCELS = 15;
const ITEM_DESC_MAX = 120;
const TRACKING_NO_MAX_BYTES = 128;

export const formatError = () => apiError(47001, 'data format error');
export const uploadTimeError = () => apiError(268485216, '上传时间非法,请按照 RFC 3339 格式填写');

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** `order_key` of upload_shipping_info: `{order_number_type, transaction_id | mchid + out_trade_no}`. */
export function parseOrderKey(value: unknown): OrderKey | undefined {
  if (!isObject(value)) return undefined;
  if (value.order_number_type === 2 && nonEmpty(value.transaction_id)) {
    return { transactionId: value.transaction_id };
  }
  if (value.order_number_type === 1 && nonEmpty(value.mchid) && nonEmpty(value.out_trade_no)) {
    return { mchId: value.mchid, outTradeNo: value.out_trade_no };
  }
  return undefined;
}

/** The order named by get_order / notify_confirm_receive: transaction_id or merchant_id + merchant_trade_no. */
export function parseMerchantOrderRef(body: Record<string, unknown>): OrderKey | undefined {
  if (nonEmpty(body.transaction_id)) return { transactionId: body.transaction_id };
  if (nonEmpty(body.merchant_id) && nonEmpty(body.merchant_trade_no)) {
    return { mchId: body.merchant_id, outTradeNo: body.merchant_trade_no };
  }
  return undefined;
}

/**
 * RFC 3339 with a numeric offset or `Z`, e.g. `2022-12-15T13:29:35.120+08:00` → epoch ms. A `+`
 * that arrived as a space (an unencoded form) is not RFC 3339 and is refused, as WeChat does.
 */
export function parseRfc3339(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.exec(
    value,
  );
  if (!m) return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** A phone number masked as WeChat asks for SF: hidden digits as `*`, the last 4 shown (`189****1234`). */
const isMaskedPhone = (v: unknown) => typeof v === 'string' && /^[0-9+\- ]*\*+[0-9]{4}$/.test(v);

function parseParcel(value: unknown, logisticsType: number): Parcel | undefined {
  if (!isObject(value)) return undefined;
  const { tracking_no, express_company, item_desc, contact } = value;
  if (!nonEmpty(item_desc) || [...item_desc].length > ITEM_DESC_MAX) return undefined;
  const parcel: Parcel = { item_desc };
  if (logisticsType === 1) {
    if (!nonEmpty(tracking_no) || Buffer.byteLength(tracking_no) > TRACKING_NO_MAX_BYTES)
      return undefined;
    if (!nonEmpty(express_company) || !isDeliveryId(express_company)) return undefined;
    parcel.tracking_no = tracking_no;
    parcel.express_company = express_company;
  }
  if (contact !== undefined) {
    if (!isObject(contact)) return undefined;
    const out: NonNullable<Parcel['contact']> = {};
    for (const name of ['consignor_contact', 'receiver_contact'] as const) {
      const v = contact[name];
      if (v === undefined || v === '') continue;
      if (!isMaskedPhone(v)) return undefined;
      out[name] = v as string;
    }
    parcel.contact = out;
  }
  // SF (顺丰) needs one contact number, masked, to query its tracking.
  if (
    parcel.express_company === 'SF' &&
    !parcel.contact?.consignor_contact &&
    !parcel.contact?.receiver_contact
  ) {
    return undefined;
  }
  return parcel;
}

/**
 * The checks of upload_shipping_info that need no state, in the order the sandbox applies them:
 * a malformed body is `47001 data format error`; an upload_time that is not RFC 3339 with an
 * offset is `268485216`.
 */
export function parseShippingUpload(body: Record<string, unknown>): ShippingUpload | WxApiError {
  const orderKey = parseOrderKey(body.order_key);
  if (!orderKey) return formatError();
  const { logistics_type: logisticsType, delivery_mode: deliveryMode } = body;
  if (logisticsType !== 1 && logisticsType !== 2 && logisticsType !== 3 && logisticsType !== 4)
    return formatError();
  if (deliveryMode !== 1 && deliveryMode !== 2) return formatError();
  const isAllDelivered = body.is_all_delivered;
  if (deliveryMode === 2 && (logisticsType !== 1 || typeof isAllDelivered !== 'boolean'))
    return formatError();
  const list = body.shipping_list;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PARCELS) return formatError();
  if (deliveryMode === 1 && list.length !== 1) return formatError();
  const parcels: Parcel[] = [];
  for (const item of list) {
    const parcel = parseParcel(item, logisticsType);
    if (!parcel) return formatError();
    parcels.push(parcel);
  }
  if (!isObject(body.payer) || !nonEmpty(body.payer.openid)) return formatError();
  if (body.upload_time === undefined) return formatError();
  const uploadTimeMs = parseRfc3339(body.upload_time);
  if (uploadTimeMs === undefined) return uploadTimeError();
  return {
    orderKey,
    logisticsType,
    deliveryMode,
    ...(deliveryMode === 2 ? { isAllDelivered: isAllDelivered as boolean } : {}),
    parcels,
    uploadTimeMs,
    payerOpenId: body.payer.openid,
  };
}
