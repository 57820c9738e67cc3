import { billYuanToFen, parseTradeBill, wxPayError } from '@fen/wxpay';
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

/**
 * The rows of a parsed `ALL` bill in Fen's terms: `parseTradeBill` (@fen/wxpay) reads every row
 * by column name into fen before any is returned, so one bad row makes the whole bill
 * unreadable; here each row is sorted into a payment or a refund (docs/merchant-ops.md).
 */
export function tradeBillRows(bill: ParsedBill): {
  payments: BillPayment[];
  refunds: BillRefund[];
} {
  const payments: BillPayment[] = [];
  const refunds: BillRefund[] = [];
  parseTradeBill(bill).rows.forEach((row, index) => {
    const at = `row ${index + 1}`;
    const { outTradeNo, transactionId, tradeState, feeFen } = row;
    if (!outTradeNo) throw unreadable(`${at} has no 商户订单号`);
    if (tradeState === 'SUCCESS') {
      payments.push({
        outTradeNo,
        transactionId,
        totalFen: row.totalFen,
        settledFen: row.settlementTotalFen + row.couponFen,
        feeFen,
      });
    } else if (tradeState === 'REVOKED') {
      // A reversed micropay (not a channel Fen offers): nets to zero, nothing to match.
      return;
    } else if (tradeState === 'REFUND') {
      if (!row.refund) throw unreadable(`${at} is a refund without 商户退款单号`);
      const { refund } = row;
      const refundedFen = refund.refundFen + billYuanToFen(row.columns['充值券退款金额'] ?? '0');
      refunds.push({
        outTradeNo,
        transactionId,
        outRefundNo: refund.outRefundNo,
        refundId: refund.refundId,
        requestedFen: refund.requestedRefundFen,
        refundedFen,
        state: refund.status || 'SUCCESS',
        feeFen,
      });
    } else {
      throw unreadable(`${at} has an unknown 交易状态 ${JSON.stringify(tradeState)}`);
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
