/**
 * What can go wrong with money that only a human may settle (the server never acts on these).
 * The list the admin API filters by (`GET /admin/anomalies?kind=`).
 */
export const ANOMALY_KINDS = [
  /** WeChat reports another amount than the order's. */
  'AMOUNT_MISMATCH',
  /** A payment reported without a transaction_id. */
  'MISSING_TRANSACTION_ID',
  /** A verified notification names an order Fen does not have. */
  'UNKNOWN_ORDER',
  /** A refund WeChat reports that Fen cannot match (unknown, unreserved, or CHANGE). */
  'UNKNOWN_REFUND',
  /** WeChat took money for an order Fen had closed. */
  'PAID_AFTER_CLOSE',
  /** A verified notification's appid is not the one the order was placed with. */
  'APPID_MISMATCH',
  /** A payment reported in another currency than CNY (APIv2 fee_type, APIv3 amount.currency). */
  'CURRENCY_MISMATCH',
  /** A transaction_id that already paid another order is reported paying this one. */
  'TRANSACTION_REUSED',
  /** The daily bill and Fen disagree (`data.difference` says how). */
  'BILL_DIFFERENCE',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const ANOMALY_STATUSES = ['open', 'resolved'] as const;
export type AnomalyStatus = (typeof ANOMALY_STATUSES)[number];

/** GET /admin/anomalies: one anomaly as the operator sees it. */
export interface AdminAnomaly {
  id: string;
  kind: AnomalyKind;
  status: AnomalyStatus;
  outTradeNo: string;
  /** Absent when no order of ours has `outTradeNo` (UNKNOWN_ORDER). */
  orderId?: string;
  detail: string;
  /** What WeChat reported (notification fields, or the report's amount and transaction). */
  data: Record<string, string>;
  createdAt: string;
  /** Present once resolved: when, by which operator, and how. */
  resolution?: { at: string; by: string; note: string };
}

/** GET /admin/anomalies[?status=&kind=&limit=&before=], newest first. */
export interface AdminAnomalyListResponse {
  anomalies: AdminAnomaly[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextBefore?: string;
}

/** POST /admin/anomalies/:id/resolve */
export interface ResolveAnomalyRequest {
  /** How it was settled (e.g. "refunded by hand, ticket 123"): 1–500 characters. */
  note: string;
}
export interface ResolveAnomalyResponse {
  anomaly: AdminAnomaly;
}
