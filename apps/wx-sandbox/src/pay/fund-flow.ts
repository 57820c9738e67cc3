import { createHash } from 'node:crypto';
import type { SandboxCore } from '../core.js';
import { billDay } from './bill-day.js';
import type { BillDay } from './bill-day.js';
import { billFeeFen, billFile, billText } from './bill.js';
import type { PayRequest } from './pipeline.js';
import type { PayOutcome } from './reply.js';
import { beijingDateTime, yuan } from './validate.js';

const HEADER =
  '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号';
const SUMMARY_HEADER = '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额';
/** APIv2 spells the accounts `Basic`, APIv3 `BASIC` [docs/merchant-ops.md, Bills]. */
export const FUND_ACCOUNTS = ['Basic', 'Operation', 'Fees'] as const;
export type FundAccount = (typeof FUND_ACCOUNTS)[number];

/** One change of the basic account's balance. */
interface Flow {
  at: number;
  /** out_trade_no / out_refund_no: what the `billRows` fault names. */
  key: string;
  kind: 'payment' | 'fee' | 'refund' | 'feeReturn';
  fen: number;
  /** 微信支付业务单号: the transaction_id, or the refund_id. */
  businessNo: string;
  voucher: string;
  note: string;
}

/** 业务名称 and 业务类型 per flow; only the refund's are in WeChat's sample (the rest: not verified). */
const BUSINESS = {
  payment: { name: '交易', type: '交易' },
  fee: { name: '交易', type: '扣除交易手续费' },
  refund: { name: '退款', type: '退款' },
  feeReturn: { name: '退款', type: '退还交易手续费' },
} as const;

// Failure replies: XML without sign, `err_code` from downloadfundflow's table
// (SYSTEMERROR, PARAM_ERROR, NO_BILL_EXIST, BILL_CREATING); the exact envelope is not verified.
const fundFail = (message: string, errCode: string): PayOutcome => ({
  kind: 'xml',
  fields: { return_code: 'FAIL', return_msg: message, err_code: errCode },
});

/**
 * `POST /pay/downloadfundflow` (mutual TLS, HMAC-SHA256 only) [docs/merchant-ops.md, Bills]: the
 * fund-flow bill of one Beijing day and account, with `Digest: SHA=<sha1 hex of the text>`.
 */
export function downloadFundFlow(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  if (request.signType !== 'HMAC-SHA256')
    return fundFail('sign_type必须为HMAC-SHA256', 'PARAM_ERROR');
  if (!p.bill_date || !p.account_type) return fundFail('missing parameter', 'PARAM_ERROR');
  if (!/^\d{8}$/.test(p.bill_date)) return fundFail('invalid bill_date', 'PARAM_ERROR');
  if (!FUND_ACCOUNTS.includes(p.account_type as FundAccount))
    return fundFail('invalid account_type', 'PARAM_ERROR');
  if (p.tar_type && p.tar_type !== 'GZIP') return fundFail('invalid tar_type', 'PARAM_ERROR');
  const day = billDay(core, p.bill_date);
  if (day.kind === 'invalid') return fundFail('invalid bill_date', 'PARAM_ERROR');
  if (day.kind === 'creating') return fundFail('Bill Creating', 'BILL_CREATING');
  const text =
    day.kind === 'ready'
      ? fundFlowText(core, request.merchant.mchId, day, p.account_type as FundAccount)
      : undefined;
  if (text === undefined) return fundFail('No Bill Exist', 'NO_BILL_EXIST');
  const digest = createHash('sha1').update(text, 'utf8').digest('hex');
  return { ...billFile(text, p.tar_type === 'GZIP'), headers: { Digest: `SHA=${digest}` } };
}

/**
 * A day's fund-flow bill of one account. The sandbox models only the basic account (基本账户):
 * each payment is income, its fee an expense at the same moment, each refund an expense when
 * accepted and the fee of the refunded amount income again; the balance runs over the merchant's whole history. The operation and fees accounts
 * never move, so they have no bill. Undefined: "No Bill Exist".
 */
export function fundFlowText(
  core: SandboxCore,
  mchId: string,
  day: BillDay & { kind: 'ready' },
  account: FundAccount,
): string | undefined {
  if (account !== 'Basic') return undefined;
  const flows = basicAccountFlows(core, mchId);
  let balance = 0;
  const rows: string[][] = [];
  let incomeCount = 0;
  let income = 0;
  let expenseCount = 0;
  let expense = 0;
  for (const flow of flows) {
    const isIncome = flow.kind === 'payment' || flow.kind === 'feeReturn';
    balance += isIncome ? flow.fen : -flow.fen;
    if (flow.at < day.start || flow.at >= day.end) continue;
    if (isIncome) {
      incomeCount += 1;
      income += flow.fen;
    } else {
      expenseCount += 1;
      expense += flow.fen;
    }
    rows.push([
      beijingDateTime(flow.at),
      flow.businessNo,
      flowNo(mchId, flow),
      BUSINESS[flow.kind].name,
      BUSINESS[flow.kind].type,
      isIncome ? '收入' : '支出',
      yuan(flow.fen),
      yuan(balance),
      'system',
      flow.note,
      flow.voucher,
    ]);
  }
  if (rows.length === 0) return undefined;
  // Counts are printed like WeChat's sample, with ".0".
  return billText(HEADER, rows, SUMMARY_HEADER, [
    `${rows.length}.0`,
    `${incomeCount}.0`,
    yuan(income),
    `${expenseCount}.0`,
    yuan(expense),
  ]);
}

/** Every balance change of the merchant, oldest first, as the bill prints it (faults applied). */
function basicAccountFlows(core: SandboxCore, mchId: string): Flow[] {
  const flows: Flow[] = [];
  for (const o of core.orders.all()) {
    if (o.mchId !== mchId) continue;
    if (o.paidAt !== undefined && o.transactionId) {
      const printed = core.faults.billRow(o.outTradeNo, o.totalFee);
      if (!printed.omit) {
        const common = { at: o.paidAt, key: o.outTradeNo, businessNo: o.transactionId };
        flows.push({
          ...common,
          kind: 'payment',
          fen: printed.amountFen,
          voucher: o.transactionId,
          note: '',
        });
        const fee = billFeeFen(printed.amountFen);
        if (fee > 0)
          flows.push({ ...common, kind: 'fee', fen: fee, voucher: o.transactionId, note: '' });
      }
    }
    for (const r of o.refunds) {
      const printed = core.faults.billRow(r.outRefundNo, r.refundFee);
      if (printed.omit) continue;
      const common = {
        at: r.createdAt,
        key: r.outRefundNo,
        businessNo: r.refundId,
        voucher: `REF${o.transactionId ?? ''}`,
      };
      flows.push({ ...common, kind: 'refund', fen: printed.amountFen, note: r.refundDesc ?? '' });
      // The fee of the refunded part comes back, as the trade bill's negative fee says.
      const fee = billFeeFen(printed.amountFen);
      if (fee > 0) flows.push({ ...common, kind: 'feeReturn', fen: fee, note: '' });
    }
  }
  const order = { payment: 0, fee: 1, refund: 2, feeReturn: 3 };
  return flows.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);
}

/** 资金流水单号: mch_id + Beijing date + 10 digits, the same on every download. */
function flowNo(mchId: string, flow: Flow): string {
  const digits = BigInt(
    `0x${createHash('sha1').update(`${flow.kind}|${flow.key}`).digest('hex').slice(0, 15)}`,
  );
  return `${mchId}${beijingDateTime(flow.at).slice(0, 10).replace(/-/g, '')}${String(digits % 10_000_000_000n).padStart(10, '0')}`;
}
