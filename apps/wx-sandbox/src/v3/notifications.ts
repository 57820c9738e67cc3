import { randomUUID } from 'node:crypto';
import { encryptResource, signWechatpayMessage } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import type { NotificationJob } from '../notify/notifier.js';
import type { Order, Refund } from '../state/orders.js';
import type { Json } from './fields.js';
import { v3State } from './state.js';
import { rfc3339Beijing } from './time.js';
import { refundResource } from './refund-view.js';
import { transactionView } from './transactions.js';

/** Any 2xx acknowledges an APIv3 notification; 200 + FAIL is not retried [docs/protocol.md §6]. */
export const isV3Acknowledged = (status: number) => status >= 200 && status <= 299;

interface EnvelopeInput {
  eventType: string;
  summary: string;
  originalType: 'transaction' | 'refund';
  resource: Json;
  apiV3Key: string;
  at: number;
}

/**
 * The notification body [docs/protocol.md §6, Notify body]: id, create_time, event_type,
 * `resource_type: encrypt-resource`, summary and the resource encrypted with AEAD_AES_256_GCM
 * under the merchant's APIv3 key, associated_data = original_type.
 */
export function notificationEnvelope(input: EnvelopeInput): string {
  const encrypted = encryptResource(JSON.stringify(input.resource), input.apiV3Key, {
    associatedData: input.originalType,
  });
  return JSON.stringify({
    id: randomUUID(),
    create_time: rfc3339Beijing(input.at),
    resource_type: 'encrypt-resource',
    event_type: input.eventType,
    summary: input.summary,
    resource: { original_type: input.originalType, ...encrypted },
  });
}

/**
 * Queues a v3 notification on the shared notifier (WeChat's retry schedule, faults, the delivery
 * log). The envelope is made once — a retry is the same notification, same id — and every POST
 * is signed afresh with the platform key of the moment.
 */
function sendV3(
  core: SandboxCore,
  job: Omit<NotificationJob, 'body' | 'contentType' | 'headers' | 'acknowledged'>,
  envelope: string,
): void {
  core.notifier.send({
    ...job,
    body: () => envelope,
    contentType: 'application/json',
    headers: (body) => {
      const signer = v3State(core).keys.signer();
      return signWechatpayMessage({
        body,
        privateKey: signer.privateKey,
        serial: signer.serial,
        timestamp: String(Math.floor(core.clock.nowMs() / 1000)),
      });
    },
    acknowledged: (status) => isV3Acknowledged(status),
  });
}

/** TRANSACTION.SUCCESS for a paid v3 order, to its notify_url. */
export function sendV3PaymentNotification(core: SandboxCore, order: Order): void {
  const credentials = v3State(core).credentials.get(order.mchId);
  if (!credentials) return;
  const envelope = notificationEnvelope({
    eventType: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    originalType: 'transaction',
    resource: transactionView(order),
    apiV3Key: credentials.apiV3Key,
    at: core.clock.nowMs(),
  });
  sendV3(
    core,
    {
      kind: 'payment',
      mchId: order.mchId,
      outTradeNo: order.outTradeNo,
      notifyUrl: order.notifyUrl,
    },
    envelope,
  );
}

/** REFUND.SUCCESS for a settled refund, to `notifyUrl`. */
export function sendV3RefundNotification(
  core: SandboxCore,
  order: Order,
  refund: Refund,
  notifyUrl: string,
): void {
  const credentials = v3State(core).credentials.get(order.mchId);
  if (!credentials) return;
  const envelope = notificationEnvelope({
    eventType: 'REFUND.SUCCESS',
    summary: '退款成功',
    originalType: 'refund',
    resource: refundResource(order, refund),
    apiV3Key: credentials.apiV3Key,
    at: core.clock.nowMs(),
  });
  sendV3(
    core,
    {
      kind: 'refund',
      mchId: order.mchId,
      outTradeNo: order.outTradeNo,
      outRefundNo: refund.outRefundNo,
      notifyUrl,
    },
    envelope,
  );
}
