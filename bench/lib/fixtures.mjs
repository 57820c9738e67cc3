// Test data shared by the cases: the demo merchant and realistic, genuinely signed payloads.
import { createHash } from 'node:crypto';
import { DEMO_MERCHANT as MERCHANT } from '@fen/demo';

/** The sandbox's demo merchant (public demo values, as in apps/server/.env.example). */
export { MERCHANT };

/**
 * The string APIv2 signs, written out independently of every library under test: names in
 * ASCII order, empty values and `sign` left out, `&key=` appended (docs/protocol.md §2).
 */
export function stringSignTemp(fields, key) {
  const names = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => `${name}=${fields[name]}`).join('&') + '&key=' + key;
}

/** The MD5 sign of `fields`, from the string above. */
export function md5Sign(fields, key) {
  return createHash('md5').update(stringSignTemp(fields, key), 'utf8').digest('hex').toUpperCase();
}

/**
 * The fields of a payment result notification (docs/protocol.md §4.1) for one order: 19 fields plus
 * `sign` = 20, with a non-ASCII `attach` so UTF-8 handling is part of the work.
 */
export function notificationFields({ outTradeNo, totalFen, transactionId, nonce, openid }) {
  return {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: MERCHANT.appId,
    mch_id: MERCHANT.mchId,
    device_info: 'WEB',
    nonce_str: nonce,
    result_code: 'SUCCESS',
    openid,
    is_subscribe: 'N',
    trade_type: 'JSAPI',
    bank_type: 'CMB_CREDIT',
    total_fee: String(totalFen),
    fee_type: 'CNY',
    cash_fee: String(totalFen),
    cash_fee_type: 'CNY',
    transaction_id: transactionId,
    out_trade_no: outTradeNo,
    attach: '门店: 深圳南山 #12',
    time_end: '20251122120000',
  };
}

/** Fields WeChat writes as plain text (numbers); everything else goes in CDATA, as WeChat does. */
const PLAIN = new Set(['total_fee', 'cash_fee']);

/** The XML body WeChat would POST: the fields and their MD5 `sign`, written by hand. */
export function notificationXml(fields, key = MERCHANT.key) {
  const signed = { ...fields, sign: md5Sign(fields, key) };
  let xml = '<xml>';
  for (const [name, value] of Object.entries(signed)) {
    xml += PLAIN.has(name)
      ? `<${name}>${value}</${name}>`
      : `<${name}><![CDATA[${value}]]></${name}>`;
  }
  return { xml: xml + '</xml>', sign: signed.sign };
}

/** The fixed notification the codec cases use. */
export function sampleNotification() {
  const fields = notificationFields({
    outTradeNo: 'FEN20251122120000A1B2C3D4E5F6',
    totalFen: 2990,
    transactionId: '4200001234202511221234567890',
    nonce: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  });
  return { fields, ...notificationXml(fields) };
}
