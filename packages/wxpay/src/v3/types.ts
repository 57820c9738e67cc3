/**
 * APIv3 request and reply bodies (docs/protocol.md §6, Endpoints), in WeChat's wire names. Only the
 * fields Fen relies on are spelled out; WeChat's others pass through untouched. Money is integer
 * fen (`amount.total`, `amount.refund`).
 */

export interface V3Amount {
  /** Integer fen, > 0. */
  total: number;
  currency?: 'CNY';
}

/** Fields every prepay request shares; `mchid` is filled by the client, `appid` defaults to its. */
export interface V3PrepayRequest {
  appid?: string;
  /** At most 127 characters. */
  description: string;
  /** 6–32 of `[0-9A-Za-z_-|*@]`, made once per order and reused on every retry. */
  out_trade_no: string;
  /** RFC 3339, e.g. `2018-06-08T10:34:56+08:00`. */
  time_expire?: string;
  attach?: string;
  notify_url: string;
  goods_tag?: string;
  support_fapiao?: boolean;
  amount: V3Amount;
  detail?: unknown;
  scene_info?: unknown;
  settle_info?: { profit_sharing?: boolean };
  [field: string]: unknown;
}

/** JSAPI and mini-program: the payer's openid under the same appid. */
export interface V3JsapiPrepayRequest extends V3PrepayRequest {
  payer: { openid: string };
}

/** H5: WeChat requires the payer's IP and the H5 scene. */
export interface V3H5PrepayRequest extends V3PrepayRequest {
  scene_info: {
    payer_client_ip: string;
    h5_info: { type: string; [field: string]: unknown };
    [field: string]: unknown;
  };
}

export interface V3Transaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: string;
  /** SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR (as in APIv2). */
  trade_state: string;
  trade_state_desc?: string;
  bank_type?: string;
  attach?: string;
  success_time?: string;
  payer?: { openid?: string };
  amount?: { total?: number; payer_total?: number; currency?: string; payer_currency?: string };
  promotion_detail?: unknown[];
  [field: string]: unknown;
}

export interface V3RefundRequest {
  transaction_id?: string;
  out_trade_no?: string;
  out_refund_no: string;
  reason?: string;
  notify_url?: string;
  funds_account?: string;
  amount: { refund: number; total: number; currency: 'CNY'; from?: unknown[] };
  goods_detail?: unknown[];
  [field: string]: unknown;
}

export interface V3Refund {
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  channel?: string;
  user_received_account?: string;
  success_time?: string;
  create_time?: string;
  /** SUCCESS, CLOSED, PROCESSING, ABNORMAL. */
  status: string;
  funds_account?: string;
  amount: {
    total: number;
    refund: number;
    payer_total?: number;
    payer_refund?: number;
    settlement_refund?: number;
    settlement_total?: number;
    discount_refund?: number;
    currency?: string;
    from?: unknown[];
  };
  [field: string]: unknown;
}

export interface V3TradeBillRequest {
  /** `YYYY-MM-DD`. */
  bill_date: string;
  /** ALL (default), SUCCESS, REFUND. */
  bill_type?: 'ALL' | 'SUCCESS' | 'REFUND';
  tar_type?: 'GZIP';
}

export interface V3FundFlowBillRequest {
  /** `YYYY-MM-DD`. */
  bill_date: string;
  /** BASIC (default, 基本账户), OPERATION (运营账户), FEES (手续费账户). */
  account_type?: 'BASIC' | 'OPERATION' | 'FEES';
  tar_type?: 'GZIP';
}

/** `GET /v3/bill/tradebill` and `fundflowbill`: where to fetch the file and the hash to check it against. */
export interface V3TradeBillLink {
  hash_type: string;
  hash_value: string;
  download_url: string;
}

/** A downloaded APIv3 bill (trade or fund flow). */
export interface V3TradeBill {
  /** The bill's text (unzipped when `tar_type: 'GZIP'`), exactly as WeChat wrote it. */
  text: string;
  hash_type: string;
  hash_value: string;
}

/** A downloaded fund-flow bill: the same shape as the trade bill's. */
export type V3FundFlowBill = V3TradeBill;
