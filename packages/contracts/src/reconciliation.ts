/**
 * The daily bill reconciliation (对账) as the admin API shows it: one report per Beijing day,
 * WeChat's trade bill matched row by row against Fen's orders and refunds. Money is integer fen.
 */

export const RECONCILIATION_STATUSES = ['matched', 'differences', 'no-bill', 'failed'] as const;
/**
 * `matched`: every row agrees; `differences`: see `differences`; `no-bill`: WeChat has no bill
 * for the day (no trades); `failed`: the bill could not be downloaded or read (see `error`).
 */
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

export const RECONCILIATION_DIFFERENCE_KINDS = [
  /** A SUCCESS row for an order PENDING here (a lost notification): repaired by orderquery. */
  'PAID_AT_WECHAT_PENDING_HERE',
  /** A SUCCESS row for an order CLOSED here: money taken for a closed order, for a human. */
  'PAID_AT_WECHAT_CLOSED_HERE',
  /** A row naming an order Fen does not know. */
  'UNKNOWN_ORDER',
  /** PAID here (paid that day) but no row in the bill. */
  'PAYMENT_MISSING_FROM_BILL',
  /** The bill's amount is not the order's. */
  'PAYMENT_AMOUNT_DIFFERS',
  /** A refund row for a refund PROCESSING here: repaired by refundquery. */
  'REFUND_AT_WECHAT_PROCESSING_HERE',
  /** A refund row for a refund Fen does not know. */
  'UNKNOWN_REFUND',
  /** A refund row for a refund Fen holds CLOSED or CHANGE. */
  'REFUND_CLOSED_HERE',
  /** SUCCESS here (completed that day) but no refund row in the bill. */
  'REFUND_MISSING_FROM_BILL',
  /** The bill's refund amount is not the refund's. */
  'REFUND_AMOUNT_DIFFERS',
] as const;
export type ReconciliationDifferenceKind = (typeof RECONCILIATION_DIFFERENCE_KINDS)[number];

/** What was done about a difference: repaired through WeChat's query, or left to a human. */
export type ReconciliationAction = 'REPAIRED' | 'REPAIR_FAILED' | 'ANOMALY';

export interface ReconciliationDifference {
  /** Stable per day: the difference's kind and the number it is about. */
  key: string;
  kind: ReconciliationDifferenceKind;
  outTradeNo: string;
  transactionId?: string;
  outRefundNo?: string;
  /** The amount the bill names, in fen. */
  billFen?: number;
  /** The amount Fen holds, in fen. */
  fenFen?: number;
  /** The order's (or refund's) status here when the difference was found. */
  statusHere?: string;
  action: ReconciliationAction;
  detail: string;
}

export interface ReconciliationTotals {
  payments: number;
  paymentsFen: number;
  refunds: number;
  refundsFen: number;
}

export interface ReconciliationReport {
  /** The Beijing day the bill covers, `YYYY-MM-DD`. */
  date: string;
  status: ReconciliationStatus;
  /** `v2` or `v3`: which API the bill was downloaded with. */
  api: string;
  /** Rows in the bill, and how many agreed with Fen. */
  rows: number;
  rowsMatched: number;
  /** What the bill says (its rows), and what Fen holds for the same day. */
  totals: { bill: ReconciliationTotals & { feesFen: number }; fen: ReconciliationTotals };
  /** The fund-flow bill (资金账单): `downloaded` with its sums, or why not. */
  fundFlow: {
    state: 'downloaded' | 'no-bill' | 'not-available' | 'failed';
    incomeFen?: number;
    expenseFen?: number;
    detail?: string;
  };
  differences: ReconciliationDifference[];
  /** Why a `failed` day failed. */
  error?: string;
  /** Download attempts in the last run. */
  attempts: number;
  /** `job`, or the operator who ran it. */
  ranBy: string;
  runs: number;
  startedAt: string;
  finishedAt: string;
}

export interface ReconciliationListResponse {
  /** Newest day first; without the differences (read one day for those). */
  reports: Array<Omit<ReconciliationReport, 'differences'> & { differenceCount: number }>;
}

export interface ReconciliationResponse {
  report: ReconciliationReport;
}
