import { billYuanToFen, wxPayError } from '@fen/wxpay';
import type { ParsedBill } from '@fen/wxpay';

/** A payment row of a trade bill (交易状态 SUCCESS), amounts in fen. */
export interface BillPayment {
  outTradeNo: string;
  transactionId: string;
  /** 订单金额: what the order asked for. */
  totalFen: number;
  /** 应结订单金额 + 代金券金额: must come back to the same total. */
  settledFen: number;
  feeFen: number;
}

/** A refund row (交易状态 REFUND), amounts in fen. */
export interface BillRefund {
  outTradeNo: string;
  transactionId: string;
  outRefundNo: string;
  refundId: string;
  /** 申请退款金额: what was asked. */
  requestedFen: number;
  /** 退款金额 + 充值券退款金额: what was refunded. */
  refundedFen: number;
  /** 退款状态 (SUCCESS, PROCESSING, …). */
  state: string;
  feeFen: number;
}

/** A day's trade bill (`ALL`) in Fen's terms, or the day has none (`No Bill Exist`). */
export type TradeBill =
  { exists: false } | { exists: true; payments: BillPayment[]; refunds: BillRefund[] };

/** A bill that downloaded but cannot be read: reported as such, never half applied. */
export const BILL_UNREADABLE = 'BILL_MALFORMED';

function unreadable(detail: string): Error {
  return wxPayError('protocol', BILL_UNREADABLE, `trade bill: ${detail}`);
}

const REQUIRED = ['微信订单号', '商户订单号', '交易状态', '手续费'] as const;

/**
 * The rows of a parsed `ALL` bill, read by column name (docs/merchant-ops.md): every row is
 * checked before any is returned, so one bad row makes the whole bill unreadable.
 */
export function tradeBillRows(bill: ParsedBill): {
  payments: BillPayment[];
  refunds: BillRefund[];
} {
  for (const column of REQUIRED) {
    if (!bill.header.includes(column)) throw unreadable(`no column ${column}`);
  }
  const payments: BillPayment[] = [];
  const refunds: BillRefund[] = [];
  bill.rows.forEach((row, index) => {
    const at = `row ${index + 1}`;
    const text = (name: string) => row[name] ?? '';
    const fen = (name: string) => (row[name] === undefined ? 0 : billYuanToFen(row[name]));
    const outTradeNo = text('商户订单号');
    if (!outTradeNo) throw unreadable(`${at} has no 商户订单号`);
    const state = text('交易状态');
    if (state === 'SUCCESS') {
      const settled = fen('应结订单金额') + fen('代金券金额');
      payments.push({
        outTradeNo,
        transactionId: text('微信订单号'),
        totalFen: row['订单金额'] === undefined ? settled : fen('订单金额'),
        settledFen: settled,
        feeFen: fen('手续费'),
      });
    } else if (state === 'REVOKED') {
      // A reversed micropay (not a channel Fen offers): nets to zero, nothing to match.
      return;
    } else if (state === 'REFUND') {
      const outRefundNo = text('商户退款单号');
      if (!outRefundNo || outRefundNo === '0')
        throw unreadable(`${at} is a refund without 商户退款单号`);
      const refunded = fen('退款金额') + fen('充值券退款金额');
      refunds.push({
        outTradeNo,
        transactionId: text('微信订单号'),
        outRefundNo,
        refundId: text('微信退款单号'),
        requestedFen: row['申请退款金额'] === undefined ? refunded : fen('申请退款金额'),
        refundedFen: refunded,
        state: text('退款状态') || 'SUCCESS',
        feeFen: fen('手续费'),
      });
    } else {
      throw unreadable(`${at} has an unknown 交易状态 ${JSON.stringify(state)}`);
    }
  });
  return { payments, refunds };
}

/**
 * Several bills of one day as one (APIv2 asks per appid): a row present in two is kept once.
 */
export function mergeTradeBills(bills: TradeBill[]): TradeBill {
  const present = bills.filter((b): b is Extract<TradeBill, { exists: true }> => b.exists);
  if (present.length === 0) return { exists: false };
  const payments = new Map<string, BillPayment>();
  const refunds = new Map<string, BillRefund>();
  for (const bill of present) {
    for (const p of bill.payments) payments.set(p.transactionId || p.outTradeNo, p);
    for (const r of bill.refunds) refunds.set(r.outRefundNo, r);
  }
  return { exists: true, payments: [...payments.values()], refunds: [...refunds.values()] };
}
