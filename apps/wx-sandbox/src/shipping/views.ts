import type { ShippingRecord, ShippingStore } from './store.js';
import { ORDER_STATE_NAMES } from './store.js';

const seconds = (ms: number | undefined) => (ms === undefined ? 0 : Math.floor(ms / 1000));

/** get_order's goods text: descriptions joined by `;`, cut at 120 characters with `...`. */
function joinedDesc(descs: string[]): string {
  const joined = descs.join(';');
  const chars = [...joined];
  return chars.length > 120 ? `${chars.slice(0, 117).join('')}...` : joined;
}

/** One order as get_order and get_order_list answer it. */
export function wxOrderView(store: ShippingStore, record: ShippingRecord) {
  const { order, shipment } = record;
  return {
    transaction_id: order.transactionId ?? '',
    merchant_id: order.mchId,
    sub_merchant_id: '0',
    merchant_trade_no: order.outTradeNo,
    description: order.body,
    paid_amount: order.totalFee,
    openid: order.fields.openid ?? order.payerOpenId ?? '',
    trade_create_time: seconds(order.createdAt),
    pay_time: seconds(order.paidAt),
    order_state: store.state(record),
    in_complaint: false,
    shipping: shipment
      ? {
          delivery_mode: shipment.deliveryMode,
          logistics_type: shipment.logisticsType,
          finish_shipping: shipment.finishShipping,
          goods_desc: joinedDesc(shipment.parcels.map((p) => p.item_desc)),
          finish_shipping_count: shipment.finishShippingCount,
          shipping_list: shipment.parcels.map((p) => ({
            tracking_no: p.tracking_no ?? '',
            express_company: p.express_company ?? '',
            goods_desc: p.item_desc,
            upload_time: seconds(p.uploadTimeMs),
            contact: {
              consignor_contact: p.contact?.consignor_contact ?? '',
              receiver_contact: p.contact?.receiver_contact ?? '',
            },
          })),
        }
      : { finish_shipping: false, finish_shipping_count: 0, goods_desc: '', shipping_list: [] },
  };
}

/** The control API's view: WeChat's plus what the sandbox tracks for tests (ISO times, names). */
export function controlOrderView(store: ShippingStore, record: ShippingRecord) {
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  const state = store.state(record);
  return {
    appid: record.order.appId,
    ...wxOrderView(store, record),
    order_state_name: ORDER_STATE_NAMES[state],
    reship_used: record.shipment?.reshipUsed ?? false,
    shipped_at: iso(record.shippedAt),
    confirmed_at: iso(record.confirmedAt),
    confirm_receive_method: record.confirmMethod,
    settled_at: iso(record.settledAt),
    received_time: record.receivedTime,
  };
}
