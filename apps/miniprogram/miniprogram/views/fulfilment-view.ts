import type { FulfilmentState, LogisticsType, Order, ShipmentParcel } from '@fen/contracts';
import { formatTime } from '../utils/format';

/** Each shipping state as WeChat's own order pages word it. */
export const FULFILMENT_STATE_TEXT: Record<FulfilmentState, string> = {
  UNSHIPPED: '待发货',
  SHIPPED: '已发货',
  CONFIRMED: '已确认收货',
  SETTLED: '已完成',
};

/** WeChat's logistics_type 1–4 as the shopper reads them. */
export const LOGISTICS_TEXT: Record<LogisticsType, string> = {
  express: '快递配送',
  'same-city': '同城配送',
  virtual: '虚拟商品',
  'self-pickup': '用户自提',
};

/** One parcel: its express company and tracking number (express only), and what it holds. */
export interface ParcelView {
  companyText: string;
  trackingNo: string;
  itemDesc: string;
}

/** The shipping card of the order page. */
export interface FulfilmentView {
  state: FulfilmentState;
  stateText: string;
  logisticsText: string;
  parcels: ParcelView[];
  shippedText: string;
  confirmedText: string;
  settledText: string;
  /** The 确认收货 button: only while the goods are on their way. */
  canConfirmReceipt: boolean;
}

/** The name WeChat's delivery list gives, else its delivery_id (e.g. `SF`), else nothing. */
function companyOf(parcel: ShipmentParcel): string {
  return parcel.expressCompanyName || parcel.expressCompany || '';
}

/**
 * The shipping of a paid order, or null when the server sent none (an unpaid order, or a shop
 * whose payments WeChat does not hold until shipping is recorded).
 */
export function fulfilmentView(order: Order): FulfilmentView | null {
  const fulfilment = order.fulfilment;
  if (!fulfilment) return null;
  return {
    state: fulfilment.state,
    stateText: FULFILMENT_STATE_TEXT[fulfilment.state] ?? fulfilment.state,
    logisticsText: fulfilment.logisticsType ? LOGISTICS_TEXT[fulfilment.logisticsType] : '',
    parcels: (fulfilment.parcels ?? []).map((parcel) => ({
      companyText: companyOf(parcel),
      trackingNo: parcel.trackingNo ?? '',
      itemDesc: parcel.itemDesc,
    })),
    shippedText: formatTime(fulfilment.shippedAt),
    confirmedText: formatTime(fulfilment.confirmedAt),
    settledText: formatTime(fulfilment.settledAt),
    // A transaction id names the order to WeChat's confirm component; a paid order has one.
    canConfirmReceipt: fulfilment.state === 'SHIPPED' && Boolean(order.transactionId),
  };
}
