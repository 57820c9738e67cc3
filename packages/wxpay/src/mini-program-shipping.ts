import { wxPayError } from './errors.js';
import { callWeChatJson } from './wechat-http.js';
import type { WeChatHttp, WeChatJson } from './wechat-http.js';

/** Names a payment: by merchant number and out_trade_no (1) or by WeChat's transaction_id (2). */
export type ShippingOrderKey =
  | { order_number_type: 1; mchid: string; out_trade_no: string }
  | { order_number_type: 2; transaction_id: string };

export interface ShippingItem {
  /** Express only: the delivery_id from get_delivery_list (`SF`), never a company name. */
  express_company?: string;
  tracking_no?: string;
  /** At most 120 characters. */
  item_desc: string;
  /** SF only: a phone masked with its last 4 digits shown, `189****1234`. */
  contact?: { consignor_contact?: string; receiver_contact?: string };
}

/** `upload_shipping_info`'s body; logistics_type and delivery_mode are numbers, as WeChat wants. */
export interface UploadShippingInfoRequest {
  order_key: ShippingOrderKey;
  /** 1 express, 2 same-city, 3 virtual goods, 4 self-pickup. */
  logistics_type: 1 | 2 | 3 | 4;
  /** 1 unified (one parcel), 2 split (express only). */
  delivery_mode: 1 | 2;
  is_all_delivered?: boolean;
  shipping_list: ShippingItem[];
  /** RFC 3339 with an offset, e.g. `2022-12-15T13:29:35.120+08:00`. */
  upload_time: string;
  payer: { openid: string };
}

export type ShippingOrderQuery =
  { transaction_id: string } | { merchant_id: string; merchant_trade_no: string };

export interface DeliveryCompany {
  delivery_id: string;
  delivery_name: string;
}

/** The mini-program shipping-info APIs (发货信息管理), each called with the app's access_token. */
export interface MiniProgramShippingApi {
  uploadShippingInfo(request: UploadShippingInfoRequest): Promise<void>;
  /** `get_order`'s `order` object, as WeChat sends it. */
  getShippingOrder(query: ShippingOrderQuery): Promise<WeChatJson>;
  /** Whether this mini-program is under trade management (its funds wait for shipping). */
  isTradeManaged(): Promise<boolean>;
  /** The express companies upload_shipping_info accepts (`delivery_id`, `delivery_name`). */
  getDeliveryList(): Promise<DeliveryCompany[]>;
}

type WithToken = <T>(fn: (token: string) => Promise<T>) => Promise<T>;

export function createMiniProgramShippingApi(
  http: WeChatHttp,
  callWithAccessToken: WithToken,
  appId: string,
): MiniProgramShippingApi {
  const post = (path: string, body: WeChatJson) =>
    callWithAccessToken((token) =>
      callWeChatJson(http, 'POST', path, { access_token: token }, body),
    );
  return {
    async uploadShippingInfo(request) {
      await post('/wxa/sec/order/upload_shipping_info', { ...request });
    },
    async getShippingOrder(query) {
      const label = 'POST /wxa/sec/order/get_order';
      const json = await post('/wxa/sec/order/get_order', { ...query });
      const order = json.order;
      if (order === null || typeof order !== 'object' || Array.isArray(order)) {
        throw wxPayError('api', 'WX_BAD_RESPONSE', `${label}: reply has no order`);
      }
      return order as WeChatJson;
    },
    async isTradeManaged() {
      const json = await post('/wxa/sec/order/is_trade_managed', { appid: appId });
      if (typeof json.is_trade_managed !== 'boolean') {
        throw wxPayError(
          'api',
          'WX_BAD_RESPONSE',
          'POST /wxa/sec/order/is_trade_managed: is_trade_managed missing',
        );
      }
      return json.is_trade_managed;
    },
    async getDeliveryList() {
      const label = 'POST /cgi-bin/express/delivery/open_msg/get_delivery_list';
      const json = await post('/cgi-bin/express/delivery/open_msg/get_delivery_list', {});
      const list = json.delivery_list;
      if (!Array.isArray(list)) {
        throw wxPayError('api', 'WX_BAD_RESPONSE', `${label}: delivery_list missing`);
      }
      return list
        .filter(
          (item): item is DeliveryCompany =>
            typeof item?.delivery_id === 'string' && typeof item?.delivery_name === 'string',
        )
        .map(({ delivery_id, delivery_name }) => ({ delivery_id, delivery_name }));
    },
  };
}

/** WeChat's upload_time: RFC 3339 in Beijing time with milliseconds, `…T13:29:35.120+08:00`. */
export function beijingRfc3339(at: Date): string {
  const shifted = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 23)}+08:00`;
}
