import Router from '@koa/router';
import type { SandboxCore } from '../core.js';
import { billProtocolReply, downloadBill } from '../pay/bill.js';
import { downloadFundFlow } from '../pay/fund-flow.js';
import { closeOrder, orderQuery } from '../pay/order-query.js';
import { payRoute } from '../pay/pipeline.js';
import { refundQuery } from '../pay/refund-query.js';
import { refund } from '../pay/refund.js';
import { unifiedOrder } from '../pay/unified-order.js';

/** WeChat Pay APIv2 of api.mch.weixin.qq.com [docs/protocol.md §3]. Any method reaches the handler, which refuses non-POST in XML. */
export function payApiRouter(core: SandboxCore): Router {
  const router = new Router();
  const route = (
    path: string,
    ...args: Parameters<typeof payRoute> extends [unknown, unknown, ...infer R] ? R : never
  ) => router.all(path, payRoute(core, path, ...args));
  route('/pay/unifiedorder', unifiedOrder);
  route('/pay/orderquery', orderQuery);
  route('/pay/closeorder', closeOrder);
  route('/secapi/pay/refund', refund, { clientCertificate: true });
  route('/pay/refundquery', refundQuery);
  route('/pay/downloadbill', downloadBill, { protocolReply: billProtocolReply });
  route('/pay/downloadfundflow', downloadFundFlow, {
    clientCertificate: true,
    protocolReply: billProtocolReply,
  });
  return router;
}
