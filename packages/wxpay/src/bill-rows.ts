import { billYuanToFen, parseBill } from './bill.js';
import type { ParsedBill } from './bill.js';
import { wxPayError } from './errors.js';

/**
 * One row of a trade bill (交易账单, APIv2 downloadbill or APIv3 tradebill) with amounts in
 * integer fen. Payment rows have `tradeState: 'SUCCESS'`; a refund is its own row with
 * `tradeState: 'REFUND'` and the refund fields set.
 */
export interface TradeBillRow {
  /** 交易时间, `yyyy-MM-dd HH:mm:ss` Beijing time, as printed. */
  tradeTime: string;
  appId: string;
  mchId: string;
  transactionId: string;
  outTradeNo: string;
  /** 用户标识. */
  openId: string;
  tradeType: string;
  /** 交易状态: SUCCESS, REFUND, REVOKED. */
  tradeState: string;
  /** 应结订单金额 (orders minus no-top-up coupons; 0 on refund rows). */
  settlementTotalFen: number;
  /** 代金券金额. */
  couponFen: number;
  /** 订单金额 (0 on refund rows). */
  totalFen: number;
  /** 手续费 (negative on refund rows: the fee given back). */
  feeFen: number;
  /** 费率, e.g. `0.60%`. */
  feeRate: string;
  /** 商品名称. */
  body: string;
  /** 商户数据包. */
  attach: string;
  /** Refund rows only (the bill prints `0` there on payment rows). */
  refund?: {
    refundId: string;
    outRefundNo: string;
    /** 退款金额. */
    refundFen: number;
    /** 申请退款金额. */
    requestedRefundFen: number;
    /** 退款状态: SUCCESS, PROCESSING. */
    status: string;
    /** 退款类型, e.g. ORIGINAL. */
    type: string;
  };
  /** Every column by WeChat's name, exactly as printed. */
  columns: Record<string, string>;
}

/** The summary rows of a trade bill, amounts in fen. */
export interface TradeBillSummary {
  /** 总交易单数. */
  count: number;
  /** 应结订单总金额. */
  settlementTotalFen: number;
  /** 退款总金额. */
  refundFen: number;
  /** 手续费总金额. */
  feeFen: number;
  /** 订单总金额. */
  totalFen: number;
  /** 申请退款总金额. */
  requestedRefundFen: number;
}

export interface TradeBill {
  rows: TradeBillRow[];
  summary: TradeBillSummary;
}

/** One row of a fund-flow bill (资金账单), amounts in integer fen. */
export interface FundFlowRow {
  /** 记账时间, `yyyy-MM-dd HH:mm:ss` Beijing time. */
  time: string;
  /** 微信支付业务单号: the transaction_id of a payment, the refund_id of a refund. */
  businessNo: string;
  /** 资金流水单号. */
  flowNo: string;
  /** 业务名称, e.g. 交易, 退款. */
  businessName: string;
  /** 业务类型, e.g. 交易, 退款, 扣除交易手续费. */
  businessType: string;
  /** 收支类型: 收入 → income, 支出 → expense. */
  direction: 'income' | 'expense';
  /** 收支金额, always ≥ 0 (see `direction`). */
  amountFen: number;
  /** 账户结余 after this row. */
  balanceFen: number;
  /** 资金变更提交申请人. */
  submitter: string;
  /** 备注. */
  note: string;
  /** 业务凭证号. */
  voucherNo: string;
  columns: Record<string, string>;
}

export interface FundFlowSummary {
  /** 资金流水总笔数. */
  count: number;
  incomeCount: number;
  incomeFen: number;
  expenseCount: number;
  expenseFen: number;
}

export interface FundFlowBill {
  rows: FundFlowRow[];
  summary: FundFlowSummary;
}

/**
 * A trade bill's rows and summary with amounts in fen, read by column name (so SUCCESS, REFUND
 * and ALL bills all work); a missing column or an amount that is not yuan with whole fen is
 * `protocol` `BILL_MALFORMED`, never a half-read bill.
 */
export function parseTradeBill(input: string | ParsedBill): TradeBill {
  const bill = typeof input === 'string' ? parseBill(input) : input;
  const rows = bill.rows.map((columns, index) => {
    const get = column(columns, index);
    const fen = (name: string) => amount(get(name), name, index);
    const state = get('交易状态');
    const refundNo = columns['商户退款单号'];
    const hasRefund = refundNo !== undefined && refundNo !== '0' && refundNo !== '';
    const row: TradeBillRow = {
      tradeTime: get('交易时间'),
      appId: get('公众账号ID'),
      mchId: get('商户号'),
      transactionId: get('微信订单号'),
      outTradeNo: get('商户订单号'),
      openId: get('用户标识'),
      tradeType: get('交易类型'),
      tradeState: state,
      settlementTotalFen: fen('应结订单金额'),
      couponFen: fen('代金券金额'),
      totalFen: fen('订单金额'),
      feeFen: fen('手续费'),
      feeRate: get('费率'),
      body: get('商品名称'),
      attach: get('商户数据包'),
      columns,
    };
    if (hasRefund) {
      row.refund = {
        refundId: get('微信退款单号'),
        outRefundNo: refundNo,
        refundFen: fen('退款金额'),
        requestedRefundFen: fen('申请退款金额'),
        status: get('退款状态'),
        type: get('退款类型'),
      };
    }
    return row;
  });
  const get = column(bill.summary, -1);
  const fen = (name: string) => amount(get(name), name, -1);
  return {
    rows,
    summary: {
      count: count(get('总交易单数')),
      settlementTotalFen: fen('应结订单总金额'),
      refundFen: fen('退款总金额'),
      feeFen: fen('手续费总金额'),
      totalFen: fen('订单总金额'),
      requestedRefundFen: fen('申请退款总金额'),
    },
  };
}

/**
 * A fund-flow bill's rows and summary with amounts in fen. The amount columns are found with
 * ASCII or full-width parentheses (`收支金额(元)` / `收支金额（元）`): copies of WeChat's docs differ.
 */
export function parseFundFlowBill(input: string | ParsedBill): FundFlowBill {
  const bill = typeof input === 'string' ? parseBill(input) : input;
  const rows = bill.rows.map((columns, index): FundFlowRow => {
    const get = column(columns, index);
    const direction = get('收支类型');
    if (direction !== '收入' && direction !== '支出') {
      throw malformed(
        `row ${index + 1}: 收支类型 ${JSON.stringify(direction)} is not 收入 or 支出`,
      );
    }
    return {
      time: get('记账时间'),
      businessNo: get('微信支付业务单号'),
      flowNo: get('资金流水单号'),
      businessName: get('业务名称'),
      businessType: get('业务类型'),
      direction: direction === '收入' ? 'income' : 'expense',
      amountFen: amount(get('收支金额(元)'), '收支金额', index),
      balanceFen: amount(get('账户结余(元)'), '账户结余', index),
      submitter: get('资金变更提交申请人'),
      note: get('备注'),
      voucherNo: get('业务凭证号'),
      columns,
    };
  });
  const get = column(bill.summary, -1);
  return {
    rows,
    summary: {
      count: count(get('资金流水总笔数')),
      incomeCount: count(get('收入笔数')),
      incomeFen: amount(get('收入金额'), '收入金额', -1),
      expenseCount: count(get('支出笔数')),
      expenseFen: amount(get('支出金额'), '支出金额', -1),
    },
  };
}

const malformed = (message: string) => wxPayError('protocol', 'BILL_MALFORMED', `bill: ${message}`);
const where = (index: number) => (index < 0 ? 'summary' : `row ${index + 1}`);

/** A column's value by name; `(元)` also matches `（元）`. */
function column(columns: Record<string, string>, index: number) {
  return (name: string): string => {
    const value = columns[name] ?? columns[name.replace('(元)', '（元）')];
    if (value === undefined) throw malformed(`${where(index)} has no column ${name}`);
    return value;
  };
}

function amount(value: string, name: string, index: number): number {
  try {
    return billYuanToFen(value);
  } catch {
    throw malformed(`${where(index)}: ${name} ${JSON.stringify(value)} is not a yuan amount`);
  }
}

/** Summary counts are printed as `48` or `45.0`. */
function count(value: string): number {
  const match = /^(\d+)(?:\.0+)?$/.exec(value);
  if (!match) throw malformed(`summary: count ${JSON.stringify(value)} is not a whole number`);
  return Number(match[1]);
}
