import { DEMO_MERCHANT } from '@fen/demo';
import { encryptRefundInfo, signV2, toXml } from '@fen/wxpay';
import type { SignType } from '@fen/wxpay';
import fc from 'fast-check';
import type { Fields } from './xml-gen.js';

/** The demo merchant the fuzzed server runs as (`@fen/demo`). */
export const MERCHANT = {
  appId: DEMO_MERCHANT.appId,
  mchId: DEMO_MERCHANT.mchId,
  key: DEMO_MERCHANT.key,
};

/** What the notification parsers check against: the demo merchant. */
export const PARSE_OPTIONS = MERCHANT;

/** Another merchant's key: signing with it is what a forger without our key could do at best. */
export const FORGED_KEY = 'forgedforgedforgedforgedforged12';

const digits = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const alnum = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[0-9A-Za-z]{${min},${max}}$`));

/** The fields of a payment result notification (docs/protocol.md §4.1), before signing. */
export function paymentFields(
  order?: fc.Arbitrary<{ outTradeNo: string; totalFen: number }>,
): fc.Arbitrary<Fields> {
  const target =
    order ??
    fc.record({
      outTradeNo: alnum(6, 32),
      totalFen: fc.integer({ min: 1, max: 100_000_000 }),
    });
  return fc
    .record({
      target,
      nonce: alnum(16, 32),
      transactionId: digits(28, 28),
      openid: fc.stringMatching(/^o[0-9A-Za-z_-]{27}$/),
      result: fc.constantFrom('SUCCESS', 'SUCCESS', 'SUCCESS', 'FAIL'),
      bank: fc.constantFrom('OTHERS', 'CMC', 'ICBC_DEBIT'),
      attach: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
      cashFee: fc.option(fc.integer({ min: 0, max: 100_000_000 }), { nil: undefined }),
    })
    .map(({ target: t, nonce, transactionId, openid, result, bank, attach, cashFee }) => {
      const fields: Fields = {
        return_code: 'SUCCESS',
        return_msg: 'OK',
        appid: MERCHANT.appId,
        mch_id: MERCHANT.mchId,
        nonce_str: nonce,
        result_code: result,
        openid,
        is_subscribe: 'N',
        trade_type: 'JSAPI',
        bank_type: bank,
        total_fee: String(t.totalFen),
        cash_fee: String(cashFee ?? t.totalFen),
        fee_type: 'CNY',
        transaction_id: transactionId,
        out_trade_no: t.outTradeNo,
        time_end: '20261201120000',
      };
      if (result === 'FAIL') {
        fields.err_code = 'SYSTEMERROR';
        fields.err_code_des = '系统错误';
      }
      // eslint-disable-next-line no-control-regex -- XML cannot carry these characters
      if (attach !== undefined) fields.attach = attach.replace(/[\u0000-\u001f\ufffe\uffff]/g, '');
      return fields;
    });
}

/** `fields` plus a genuine sign (HMAC-SHA256 notifications carry `sign_type`). */
export function signed(fields: Fields, signType: SignType = 'MD5', key = MERCHANT.key): Fields {
  const withType: Fields =
    signType === 'HMAC-SHA256' ? { ...fields, sign_type: 'HMAC-SHA256' } : { ...fields };
  return { ...withType, sign: signV2(withType, key) };
}

export const signType: fc.Arbitrary<SignType> = fc.constantFrom('MD5', 'HMAC-SHA256');

/**
 * A change to a genuinely signed notification at the field level. Each says whether the
 * signed content (every non-empty field except `sign`, and `sign` itself) stays the same:
 * only then may a verifier accept the result.
 */
export type FieldMutation =
  | { kind: 'change'; field: number; to: string }
  | { kind: 'drop'; field: number }
  | { kind: 'duplicate'; field: number; to: string | undefined }
  | { kind: 'add'; name: string; to: string }
  | { kind: 'amount'; delta: number }
  | { kind: 'appid'; to: string }
  | { kind: 'mch_id'; to: string }
  | { kind: 'resign-forged' }
  | { kind: 'sign-case' }
  | { kind: 'sign-type'; to: string }
  | { kind: 'return-code'; to: string };

export const fieldMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
  fc.record({ kind: fc.constant('change'), field: fc.nat(), to: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('drop'), field: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate'),
    field: fc.nat(),
    to: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('add'),
    name: fc.stringMatching(/^[a-z_]{1,10}$/),
    to: fc.string({ maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('amount'),
    delta: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer()),
  }),
  fc.record({
    kind: fc.constant('appid'),
    to: fc.constantFrom('wxfe00000000000002', 'WXFE00000000000001', '', ' wxfe00000000000001'),
  }),
  fc.record({
    kind: fc.constant('mch_id'),
    to: fc.constantFrom('1900000108', '01900000109', '', '1900000109 '),
  }),
  fc.record({ kind: fc.constant('resign-forged') }),
  fc.record({ kind: fc.constant('sign-case') }),
  fc.record({
    kind: fc.constant('sign-type'),
    to: fc.constantFrom('MD5', 'HMAC-SHA256', 'md5', 'SHA1', ''),
  }),
  fc.record({ kind: fc.constant('return-code'), to: fc.constantFrom('FAIL', 'success', '') }),
) as fc.Arbitrary<FieldMutation>;

/** XML-safe text for a mutated value (XML cannot carry control characters). */
// eslint-disable-next-line no-control-regex -- XML cannot carry these characters
const xmlSafe = (text: string) => text.replace(/[\u0000-\u001f\ufffe\uffff]/g, '');

/**
 * Applies a field mutation to a signed notification and writes it as XML (a duplicated field
 * cannot be a plain object, so the XML is assembled here). Returns the body.
 */
export function mutateFields(original: Fields, mutation: FieldMutation): string {
  const names = Object.keys(original);
  const nameAt = (i: number) => names[i % names.length] as string;
  const fields: Fields = { ...original };
  switch (mutation.kind) {
    case 'change':
      fields[nameAt(mutation.field)] = xmlSafe(mutation.to);
      break;
    case 'drop':
      delete fields[nameAt(mutation.field)];
      break;
    case 'duplicate': {
      const name = nameAt(mutation.field);
      const copy = toXml({ [name]: xmlSafe(mutation.to ?? fields[name] ?? '') }).slice(5, -6);
      return toXml(fields).replace('</xml>', `${copy}</xml>`);
    }
    case 'add':
      if (!(mutation.name in fields)) fields[mutation.name] = xmlSafe(mutation.to);
      break;
    case 'amount':
      fields.total_fee = String(Number(fields.total_fee) + mutation.delta);
      break;
    case 'appid':
      fields.appid = mutation.to;
      break;
    case 'mch_id':
      fields.mch_id = mutation.to;
      break;
    case 'resign-forged': {
      const { sign: _sign, ...rest } = fields;
      fields.sign = signV2(rest, FORGED_KEY);
      break;
    }
    case 'sign-case':
      fields.sign = (fields.sign ?? '').toLowerCase();
      break;
    case 'sign-type':
      fields.sign_type = mutation.to;
      break;
    case 'return-code':
      fields.return_code = mutation.to;
      break;
  }
  return toXml(fields);
}

/** What a refund result notification's `req_info` holds (docs/protocol.md §4.2). */
export function refundInfoFields(
  refund?: fc.Arbitrary<{ outTradeNo: string; outRefundNo: string; refundFen: number }>,
): fc.Arbitrary<Fields> {
  const target =
    refund ??
    fc.record({
      outTradeNo: alnum(6, 32),
      outRefundNo: alnum(6, 64),
      refundFen: fc.integer({ min: 1, max: 100_000_000 }),
    });
  return fc
    .record({
      target,
      transactionId: digits(28, 28),
      refundId: digits(29, 29),
      status: fc.constantFrom('SUCCESS', 'CHANGE', 'REFUNDCLOSE'),
    })
    .map(({ target: t, transactionId, refundId, status }) => ({
      transaction_id: transactionId,
      out_trade_no: t.outTradeNo,
      refund_id: refundId,
      out_refund_no: t.outRefundNo,
      total_fee: String(t.refundFen * 2),
      refund_fee: String(t.refundFen),
      settlement_total_fee: String(t.refundFen * 2),
      settlement_refund_fee: String(t.refundFen),
      refund_status: status,
      success_time: '2026-12-01 12:00:00',
      refund_recv_accout: '支付用户零钱',
      refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
      refund_request_source: 'API',
    }));
}

/** The envelope of a refund notification around `info`, encrypted with `key`. */
export function refundEnvelope(info: Fields, nonce: string, key = MERCHANT.key): Fields {
  return {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: MERCHANT.appId,
    mch_id: MERCHANT.mchId,
    nonce_str: nonce,
    req_info: encryptRefundInfo(info, key),
  };
}

/** Changes to a base64 `req_info`: each character position, padding, length, whitespace. */
export type ReqInfoMutation =
  | { kind: 'char'; at: number; to: string }
  | { kind: 'drop'; at: number; length: number }
  | { kind: 'append'; text: string }
  | { kind: 'block'; from: number; to: number }
  | { kind: 'wrong-key' };

export const reqInfoMutation: fc.Arbitrary<ReqInfoMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('char'),
    at: fc.nat(),
    to: fc.constantFrom(...'AZaz09+/=-_ \n.'.split('')),
  }),
  fc.record({ kind: fc.constant('drop'), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('append'),
    text: fc.constantFrom('=', '==', 'AAAA', 'QUJD\n', ' '),
  }),
  fc.record({ kind: fc.constant('block'), from: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('wrong-key') }),
) as fc.Arbitrary<ReqInfoMutation>;

/** Applies a req_info mutation; `block` swaps two 16-byte ciphertext blocks (ECB lets it). */
export function mutateReqInfo(reqInfo: string, info: Fields, m: ReqInfoMutation): string {
  switch (m.kind) {
    case 'char': {
      const at = m.at % reqInfo.length;
      return reqInfo.slice(0, at) + m.to + reqInfo.slice(at + 1);
    }
    case 'drop': {
      const at = m.at % reqInfo.length;
      return reqInfo.slice(0, at) + reqInfo.slice(at + m.length);
    }
    case 'append':
      return reqInfo + m.text;
    case 'block': {
      const bytes = Buffer.from(reqInfo, 'base64');
      const blocks = bytes.length / 16;
      const a = m.from % blocks;
      const b = m.to % blocks;
      const out = Buffer.from(bytes);
      bytes.copy(out, a * 16, b * 16, b * 16 + 16);
      bytes.copy(out, b * 16, a * 16, a * 16 + 16);
      return out.toString('base64');
    }
    case 'wrong-key':
      return encryptRefundInfo(info, FORGED_KEY);
  }
}

/** How a refund notification is tampered with: its req_info, its envelope, both or neither. */
export interface RefundTampering {
  reqInfo: ReqInfoMutation | undefined;
  envelope: FieldMutation | undefined;
}

export const refundTampering: fc.Arbitrary<RefundTampering> = fc.record({
  reqInfo: fc.option(reqInfoMutation, { nil: undefined }),
  envelope: fc.option(fieldMutation, { nil: undefined }),
});

/** A genuine refund notification around `info`, as XML, tampered with as `tampering` says. */
export function tamperedRefundXml(info: Fields, nonce: string, tampering: RefundTampering): string {
  const envelope = refundEnvelope(info, nonce);
  if (tampering.reqInfo) {
    envelope.req_info = mutateReqInfo(envelope.req_info ?? '', info, tampering.reqInfo);
  }
  return tampering.envelope ? mutateFields(envelope, tampering.envelope) : toXml(envelope);
}
