/**
 * What `get_delivery_list` answers: express companies as `{delivery_id, delivery_name}`.
 * `upload_shipping_info` takes the delivery_id (`SF`, not 顺丰速运). WeChat's list is much longer;
 * SF, YTO and ZTO are the documented examples, the other ids are the sandbox's sample (not verified).
 */
export const DELIVERY_COMPANIES: readonly { delivery_id: string; delivery_name: string }[] =
  Object.freeze([
    { delivery_id: 'SF', delivery_name: '顺丰速运' },
    { delivery_id: 'ZTO', delivery_name: '中通快递' },
    { delivery_id: 'YTO', delivery_name: '圆通速递' },
    { delivery_id: 'STO', delivery_name: '申通快递' },
    { delivery_id: 'YD', delivery_name: '韵达快递' },
    { delivery_id: 'EMS', delivery_name: '中国邮政速递物流' },
    { delivery_id: 'JD', delivery_name: '京东物流' },
    { delivery_id: 'DBL', delivery_name: '德邦快递' },
    { delivery_id: 'JTSD', delivery_name: '极兔速递' },
  ]);

export const isDeliveryId = (id: string) => DELIVERY_COMPANIES.some((c) => c.delivery_id === id);
