import type { SandboxCore } from '../core.js';
import type { Order, Refund } from '../state/orders.js';
import { findOrder } from './order-query.js';
import type { PayRequest } from './pipeline.js';
import { RECEIVED_BY } from './refund.js';
import { businessError, success } from './reply.js';
import type { PayOutcome } from './reply.js';
import { beijingDateTime } from './validate.js';

/** `POST /pay/refundquery` [docs/protocol.md §3.5]: refund_id > out_refund_no > transaction_id > out_trade_no. */
export function refundQuery(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  const mchId = request.merchant.mchId;
  let order: Order | undefined;
  let refunds: Refund[];
  if (p.refund_id || p.out_refund_no) {
    const found = p.refund_id
      ? core.orders.refundById(mchId, p.refund_id)
      : core.orders.refund(mchId, p.out_refund_no!);
    order = found?.order;
    refunds = found ? [found.refund] : [];
  } else if (p.transaction_id || p.out_trade_no) {
    order = findOrder(core, request);
    refunds = order?.refunds ?? [];
  } else {
    return businessError(
      'PARAM_ERROR',
      '缺少参数：refund_id、out_refund_no、transaction_id、out_trade_no至少填一个',
    );
  }
  if (!order || order.appId !== request.appId || refunds.length === 0) {
    return businessError('REFUNDNOTEXIST', 'not exist');
  }
  let page = refunds;
  let offsetFields: Record<string, string> = {};
  if (p.offset !== undefined && p.offset !== '') {
    if (!/^\d+$/.test(p.offset)) return businessError('PARAM_ERROR', 'offset参数格式错误');
    const offset = Number(p.offset);
    if (offset >= refunds.length) return businessError('PARAM_ERROR', 'offset超出范围');
    page = refunds.slice(offset, offset + 10);
    offsetFields = { total_refund_count: String(refunds.length) };
  }
  const fields: Record<string, string> = {
    transaction_id: order.transactionId ?? '',
    out_trade_no: order.outTradeNo,
    total_fee: String(order.totalFee),
    fee_type: 'CNY',
    cash_fee: String(order.totalFee),
    refund_fee: String(page.reduce((sum, r) => sum + r.refundFee, 0)),
    refund_count: String(page.length),
    ...offsetFields,
  };
  page.forEach((r, n) => {
    fields[`out_refund_no_${n}`] = r.outRefundNo;
    fields[`refund_id_${n}`] = r.refundId;
    fields[`refund_channel_${n}`] = 'ORIGINAL';
    fields[`refund_fee_${n}`] = String(r.refundFee);
    fields[`settlement_refund_fee_${n}`] = String(r.refundFee);
    fields[`refund_status_${n}`] = r.status;
    fields[`refund_account_${n}`] = r.refundAccount;
    fields[`refund_recv_accout_${n}`] = RECEIVED_BY;
    if (r.successAt !== undefined)
      fields[`refund_success_time_${n}`] = beijingDateTime(r.successAt);
  });
  return success(fields);
}
