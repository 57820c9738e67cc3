import { gzipSync } from 'node:zlib';
import { formatWxTime } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import type { Order, Refund } from '../state/orders.js';
import type { PayRequest } from './pipeline.js';
import { protocolFailXml } from './reply.js';
import type { PayOutcome, ProtocolFailure } from './reply.js';
import { beijingDateTime, yuan } from './validate.js';

const BOM = '\uFEFF';
const EOL = '\r\n';
const FEE_RATE = 0.006;
const FEE_RATE_TEXT = '0.60%';

const HEADERS = {
  ALL: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
  SUCCESS:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注',
  REFUND:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
};
const SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const BILL_TYPES = ['ALL', 'SUCCESS', 'REFUND', 'RECHARGE_REFUND'] as const;
type BillType = (typeof BILL_TYPES)[number];

const BILL_ERROR_CODE: Record<string, string> = { SIGN: '20003', XML: '20001', MISSING: '20001' };

/** downloadbill's failure words [docs/protocol.md §3.6]: `return_msg` + `error_code`, no sign. */
export function billProtocolReply(failure: ProtocolFailure): string {
  const message =
    failure.reason === 'SIGN'
      ? 'SIGN ERROR'
      : failure.reason === 'XML'
        ? 'data format error'
        : failure.message;
  return protocolFailXml(message, { error_code: BILL_ERROR_CODE[failure.reason] ?? '20001' });
}

const billFail = (message: string, errorCode: string): PayOutcome => ({
  kind: 'xml',
  fields: { return_code: 'FAIL', return_msg: message, error_code: errorCode },
});

/**
 * Fee: 0.6 %, rounded to the fen, printed with five decimals like WeChat's bill ("0.12000").
 * Refund rows carry the negative fee that is given back.
 */
const fee = (fen: number) => {
  const rounded = Math.round(Math.abs(fen) * FEE_RATE);
  return `${fen < 0 ? '-' : ''}${(rounded / 100).toFixed(5)}`;
};

/**
 * `POST /pay/downloadbill` [docs/protocol.md §3.6]: payments (by time_end) and successful refunds
 * (by success time), Beijing days. A day's bill exists from 09:00 the next day; a day without any
 * transaction, or older than 3 months, has "No Bill Exist".
 */
export function downloadBill(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  if (!p.bill_date) return billFail('missing parameter', '20001');
  if (!/^\d{8}$/.test(p.bill_date)) return billFail('invalid bill_date', '20001');
  const billType = (p.bill_type || 'ALL') as BillType;
  if (!BILL_TYPES.includes(billType)) return billFail('invalid bill_type', '20001');
  if (p.tar_type && p.tar_type !== 'GZIP') return billFail('invalid tar_type', '20001');

  const now = core.clock.nowMs();
  const dayStart = beijingDayStart(p.bill_date);
  if (dayStart === undefined) return billFail('invalid bill_date', '20001');
  const readyAt = dayStart + 24 * 3600_000 + 9 * 3600_000;
  if (now < dayStart + 24 * 3600_000) return billFail('No Bill Exist', '20002');
  if (now < readyAt) return billFail('Bill Creating', '20007');
  if (now - dayStart > 93 * 24 * 3600_000) return billFail('No Bill Exist', '20002');

  const inDay = (ms: number | undefined) =>
    ms !== undefined && ms >= dayStart && ms < dayStart + 24 * 3600_000;
  const orders = core.orders
    .all()
    // An empty appId (APIv3's tradebill, per mchid) takes every appid of the merchant.
    .filter(
      (o) => o.mchId === request.merchant.mchId && (!request.appId || o.appId === request.appId),
    );
  const payments =
    billType === 'ALL' || billType === 'SUCCESS' ? orders.filter((o) => inDay(o.paidAt)) : [];
  const refunds =
    billType === 'ALL' || billType === 'REFUND'
      ? orders.flatMap((o) =>
          o.refunds
            .filter((r) => r.status === 'SUCCESS' && inDay(r.successAt))
            .map((r) => ({ o, r })),
        )
      : [];
  if (payments.length + refunds.length === 0) return billFail('No Bill Exist', '20002');

  const header =
    billType === 'ALL' ? HEADERS.ALL : billType === 'SUCCESS' ? HEADERS.SUCCESS : HEADERS.REFUND;
  type Row = { at: number; cells: string[] };
  const rows: Row[] = [
    ...payments.map((o) => ({ at: o.paidAt!, cells: paymentRow(o, billType) })),
    ...refunds.map(({ o, r }) => ({ at: r.successAt!, cells: refundRow(o, r, billType) })),
  ].sort((a, b) => a.at - b.at);

  const settled = payments.reduce((s, o) => s + o.totalFee, 0);
  const refunded = refunds.reduce((s, { r }) => s + r.refundFee, 0);
  const fees =
    payments.reduce((s, o) => s + Math.round(o.totalFee * FEE_RATE), 0) -
    refunds.reduce((s, { r }) => s + Math.round(r.refundFee * FEE_RATE), 0);
  const summary = [
    String(rows.length),
    yuan(settled),
    yuan(refunded),
    '0.00',
    (fees / 100).toFixed(5),
    yuan(settled),
    yuan(refunded),
  ];

  const text =
    BOM +
    [
      header,
      ...rows.map((r) => r.cells.map((c) => `\`${c}`).join(',')),
      SUMMARY_HEADER,
      summary.map((c) => `\`${c}`).join(','),
    ].join(EOL) +
    EOL;
  if (p.tar_type === 'GZIP')
    return {
      kind: 'raw',
      body: gzipSync(Buffer.from(text, 'utf8')),
      contentType: 'application/x-gzip',
    };
  return { kind: 'raw', body: text, contentType: 'text/plain; charset=utf-8' };
}

function commonCells(o: Order, at: number, state: string): string[] {
  return [
    beijingDateTime(at),
    o.appId,
    o.mchId,
    '0',
    o.fields.device_info ?? '',
    o.transactionId ?? '',
    o.outTradeNo,
    o.fields.openid ?? '',
    o.tradeType,
    state,
    o.bankType ?? 'OTHERS',
    'CNY',
  ];
}

function paymentRow(o: Order, type: BillType): string[] {
  const cells = [...commonCells(o, o.paidAt!, 'SUCCESS'), yuan(o.totalFee), '0.00'];
  const attach = o.fields.attach ?? '';
  if (type === 'SUCCESS')
    return [...cells, o.body, attach, fee(o.totalFee), FEE_RATE_TEXT, yuan(o.totalFee), ''];
  return [
    ...cells,
    '0',
    '0',
    '0.00',
    '0.00',
    '',
    '',
    o.body,
    attach,
    fee(o.totalFee),
    FEE_RATE_TEXT,
    yuan(o.totalFee),
    '0.00',
    '',
  ];
}

function refundRow(o: Order, r: Refund, type: BillType): string[] {
  const cells = [...commonCells(o, r.successAt!, 'REFUND'), '0.00', '0.00'];
  const refundCells = [r.refundId, r.outRefundNo, yuan(r.refundFee), '0.00', 'ORIGINAL', 'SUCCESS'];
  const tail = [
    o.body,
    o.fields.attach ?? '',
    fee(-r.refundFee),
    FEE_RATE_TEXT,
    '0.00',
    yuan(r.refundFee),
    '',
  ];
  if (type === 'REFUND')
    return [
      ...cells,
      beijingDateTime(r.createdAt),
      beijingDateTime(r.successAt!),
      ...refundCells,
      ...tail,
    ];
  return [...cells, ...refundCells, ...tail];
}

/** Epoch ms of 00:00 Beijing time on `yyyyMMdd`, or undefined for a date that does not exist. */
function beijingDayStart(date: string): number | undefined {
  const ms =
    Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) -
    8 * 3600_000;
  return formatWxTime(new Date(ms)).slice(0, 8) === date ? ms : undefined;
}
