import { gzipSync } from 'node:zlib';
import type { SandboxCore } from '../core.js';
import type { Order, Refund } from '../state/orders.js';
import { billDay } from './bill-day.js';
import type { BillDay } from './bill-day.js';
import type { PayRequest } from './pipeline.js';
import { protocolFailXml } from './reply.js';
import type { PayOutcome, ProtocolFailure } from './reply.js';
import { beijingDateTime, yuan } from './validate.js';

export const BILL_BOM = '\uFEFF';
export const BILL_EOL = '\r\n';
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
export const TRADE_BILL_TYPES = ['ALL', 'SUCCESS', 'REFUND'] as const;
export type TradeBillType = (typeof TRADE_BILL_TYPES)[number];

// WeChat's numeric codes: 20001 (sign error) and 20002 (No Bill Exist) were seen in real
// replies; the others are the sandbox's choice [docs/merchant-ops.md, Bills].
const BILL_ERROR_CODE: Record<string, string> = { SIGN: '20001', XML: '20001', MISSING: '20001' };

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

/** WeChat's fee: 0.6 % rounded to the fen; refunds give it back (negative). */
export const billFeeFen = (fen: number) =>
  (fen < 0 ? -1 : 1) * Math.round(Math.abs(fen) * FEE_RATE);
/** A fee as the bill prints it: yuan with five decimals ("0.12000", "-0.12000"). */
export const feeText = (fen: number) => `${yuan(fen)}000`;

/** One bill line: every value behind a backtick [docs/merchant-ops.md, Bills]. */
export const billLine = (cells: string[]) => cells.map((c) => `\`${c}`).join(',');

/** The bill file: BOM, header, rows, summary header and row, CRLF after each line. */
export function billText(
  header: string,
  rows: string[][],
  summaryHeader: string,
  summary: string[],
): string {
  return (
    BILL_BOM +
    [header, ...rows.map(billLine), summaryHeader, billLine(summary)].join(BILL_EOL) +
    BILL_EOL
  );
}

/**
 * `POST /pay/downloadbill` [docs/protocol.md §3.6]: the trade bill of one Beijing day, or
 * downloadbill's XML failures (unsigned, `error_code`, plain XML even when GZIP was asked).
 */
export function downloadBill(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  if (!p.bill_date) return billFail('missing parameter', '20001');
  if (!/^\d{8}$/.test(p.bill_date)) return billFail('invalid bill_date', '20001');
  const billType = (p.bill_type || 'ALL') as TradeBillType;
  // RECHARGE_REFUND exists at WeChat, but its header is not known: refused like an unknown type.
  if (!TRADE_BILL_TYPES.includes(billType)) return billFail('invalid bill_type', '20001');
  if (p.tar_type && p.tar_type !== 'GZIP') return billFail('invalid tar_type', '20001');
  const day = billDay(core, p.bill_date);
  if (day.kind === 'invalid') return billFail('invalid bill_date', '20001');
  if (day.kind === 'creating') return billFail('Bill Creating', '20007');
  const text =
    day.kind === 'ready'
      ? tradeBillText(core, { mchId: request.merchant.mchId, appId: request.appId, day, billType })
      : undefined;
  if (text === undefined) return billFail('No Bill Exist', '20002');
  return billFile(text, p.tar_type === 'GZIP');
}

/** A bill's text as the HTTP body: plain UTF-8, or gzip bytes when asked. */
export function billFile(text: string, gzip: boolean): PayOutcome & { kind: 'raw' } {
  return gzip
    ? { kind: 'raw', body: gzipSync(Buffer.from(text, 'utf8')), contentType: 'application/x-gzip' }
    : { kind: 'raw', body: text, contentType: 'text/plain; charset=utf-8' };
}

interface TradeBillScope {
  mchId: string;
  /** Only this appid's trades; '' takes every appid of the merchant (APIv3 bills are per mchid). */
  appId: string;
  day: BillDay & { kind: 'ready' };
  billType: TradeBillType;
}

/** A bill row before printing: a payment or a refund, with the amount the bill shows. */
interface TradeEntry {
  at: number;
  order: Order;
  refund?: Refund;
  amountFen: number;
}

/**
 * The trade bill of a day [docs/merchant-ops.md, Bills]: payments by their success time, refunds
 * by the time WeChat accepted them (a refund is its own REFUND row; the payment's row never
 * changes), with the `billRows` fault applied; undefined when the day has no row ("No Bill Exist").
 */
export function tradeBillText(core: SandboxCore, scope: TradeBillScope): string | undefined {
  const { day, billType } = scope;
  const inDay = (ms: number | undefined) => ms !== undefined && ms >= day.start && ms < day.end;
  const orders = core.orders
    .all()
    .filter((o) => o.mchId === scope.mchId && (!scope.appId || o.appId === scope.appId));
  const entries: TradeEntry[] = [];
  if (billType !== 'REFUND')
    for (const order of orders)
      if (inDay(order.paidAt))
        entries.push({ at: order.paidAt!, order, amountFen: order.totalFee });
  if (billType !== 'SUCCESS')
    for (const order of orders)
      for (const refund of order.refunds)
        if (inDay(refund.createdAt))
          entries.push({ at: refund.createdAt, order, refund, amountFen: refund.refundFee });
  const shown = entries.flatMap((e) => {
    const printed = core.faults.billRow(e.refund?.outRefundNo ?? e.order.outTradeNo, e.amountFen);
    return printed.omit ? [] : [{ ...e, amountFen: printed.amountFen }];
  });
  if (shown.length === 0) return undefined;
  shown.sort((a, b) => a.at - b.at);

  const paid = shown.filter((e) => !e.refund).reduce((s, e) => s + e.amountFen, 0);
  const refunded = shown.filter((e) => e.refund).reduce((s, e) => s + e.amountFen, 0);
  const fees = shown.reduce((s, e) => s + billFeeFen(e.refund ? -e.amountFen : e.amountFen), 0);
  return billText(
    HEADERS[billType],
    shown.map((e) =>
      e.refund
        ? refundRow(e.order, e.refund, e.amountFen, billType, day.generatedAt)
        : paymentRow(e.order, e.amountFen, billType),
    ),
    SUMMARY_HEADER,
    [
      String(shown.length),
      yuan(paid),
      yuan(refunded),
      '0.00',
      feeText(fees),
      yuan(paid),
      yuan(refunded),
    ],
  );
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
    o.fields.openid ?? o.payerOpenId ?? '',
    o.tradeType,
    state,
    o.bankType ?? 'OTHERS',
    'CNY',
  ];
}

function paymentRow(o: Order, fen: number, type: TradeBillType): string[] {
  const cells = [...commonCells(o, o.paidAt!, 'SUCCESS'), yuan(fen), '0.00'];
  const attach = o.fields.attach ?? '';
  const fee = feeText(billFeeFen(fen));
  if (type === 'SUCCESS') return [...cells, o.body, attach, fee, FEE_RATE_TEXT, yuan(fen), ''];
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
    fee,
    FEE_RATE_TEXT,
    yuan(fen),
    '0.00',
    '',
  ];
}

/** A refund row; its status is the one it had when the bill was made (a snapshot). */
function refundRow(
  o: Order,
  r: Refund,
  fen: number,
  type: TradeBillType,
  generatedAt: number,
): string[] {
  const succeeded = r.successAt !== undefined && r.successAt <= generatedAt;
  const cells = [...commonCells(o, r.createdAt, 'REFUND'), '0.00', '0.00'];
  const refundCells = [
    r.refundId,
    r.outRefundNo,
    yuan(fen),
    '0.00',
    'ORIGINAL',
    succeeded ? 'SUCCESS' : 'PROCESSING',
  ];
  const tail = [
    o.body,
    o.fields.attach ?? '',
    feeText(billFeeFen(-fen)),
    FEE_RATE_TEXT,
    '0.00',
    yuan(fen),
    '',
  ];
  if (type === 'REFUND')
    return [
      ...cells,
      beijingDateTime(r.createdAt),
      succeeded ? beijingDateTime(r.successAt!) : '',
      ...refundCells,
      ...tail,
    ];
  return [...cells, ...refundCells, ...tail];
}
