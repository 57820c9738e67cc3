import Router from '@koa/router';
import type { SandboxCore } from '../core.js';
import { billFile, fundFlowBill, tradeBill } from '../v3/bill.js';
import { listCertificates } from '../v3/certificates.js';
import { v3Route } from '../v3/pipeline.js';
import { PREPAY_KINDS, prepay } from '../v3/prepay.js';
import type { PrepayKind } from '../v3/prepay.js';
import { createRefund, queryRefund } from '../v3/refunds.js';
import { closeOrder, queryByOutTradeNo, queryByTransactionId } from '../v3/transactions.js';
import { controlV3Router } from './control-v3.js';

/**
 * APIv3 of api.mch.weixin.qq.com [docs/protocol.md §6], beside APIv2 on the same orders, plus its
 * control routes under `/__sandbox/v3`.
 */
export function payV3Routers(core: SandboxCore): Router[] {
  const router = new Router({ prefix: '/v3' });
  for (const kind of Object.keys(PREPAY_KINDS) as PrepayKind[]) {
    router.post(`/pay/transactions/${kind}`, v3Route(core, prepay(kind)));
  }
  router.get('/pay/transactions/out-trade-no/:out_trade_no', v3Route(core, queryByOutTradeNo));
  router.get('/pay/transactions/id/:transaction_id', v3Route(core, queryByTransactionId));
  router.post('/pay/transactions/out-trade-no/:out_trade_no/close', v3Route(core, closeOrder));
  router.post('/refund/domestic/refunds', v3Route(core, createRefund));
  router.get('/refund/domestic/refunds/:out_refund_no', v3Route(core, queryRefund));
  router.get('/bill/tradebill', v3Route(core, tradeBill));
  router.get('/bill/fundflowbill', v3Route(core, fundFlowBill));
  router.get('/billdownload/file', v3Route(core, billFile));
  router.get('/certificates', v3Route(core, listCertificates));
  return [router, controlV3Router(core)];
}
