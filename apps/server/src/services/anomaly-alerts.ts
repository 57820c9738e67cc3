import type { AnomalyKind } from '@fen/contracts';
import type { AnomalyDoc } from '../stores/anomaly-model.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { Alert, AlertWebhook } from './alert-webhook.js';

/** What operators (who read Chinese) are told each kind means. */
const KIND_LABELS: Record<AnomalyKind, string> = {
  AMOUNT_MISMATCH: '金额不符',
  MISSING_TRANSACTION_ID: '缺少微信支付订单号',
  UNKNOWN_ORDER: '未知订单的支付通知',
  UNKNOWN_REFUND: '退款异常',
  PAID_AFTER_CLOSE: '订单关闭后收到付款',
  APPID_MISMATCH: 'appid 与订单不符',
  CURRENCY_MISMATCH: '币种不是人民币',
  TRANSACTION_REUSED: '微信支付订单号已支付过其他订单',
  BILL_DIFFERENCE: '对账单与本地记录不符',
};

/** Integer fen as yuan with two decimals, by integer arithmetic (never a float of yuan). */
export function fenToYuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** The amount an anomaly is about, in fen, from what WeChat reported (when it names one). */
function amountOf(data: Record<string, string>): { label: string; fen: number } | undefined {
  const candidates: Array<[string, string | undefined]> = [
    ['退款金额', data.refund_fee],
    ['支付金额', data.totalFen ?? data.total_fee],
  ];
  for (const [label, value] of candidates) {
    if (value !== undefined && /^\d{1,15}$/.test(value)) return { label, fen: Number(value) };
  }
  return undefined;
}

/** `at` in Beijing time (UTC+8, no daylight saving), as operators read it. */
export function beijingTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A value from a notification, shown on one line and bounded. */
const shown = (value: string) =>
  // eslint-disable-next-line no-control-regex -- one line per fact, whatever WeChat sent
  value.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 64);

/**
 * The alert for a new anomaly: zh-CN text first, then the same facts as fields. Only what an
 * operator needs to find it (kind, order, amount, time, id): never notification fields such as
 * the payer's openid, never a setting.
 */
export function anomalyAlert(anomaly: AnomalyDoc): Alert {
  const amount = amountOf(anomaly.data);
  const id = anomaly._id.toHexString();
  const label = KIND_LABELS[anomaly.kind] ?? anomaly.kind;
  const lines = [
    `【Fen 支付异常】${label}（${anomaly.kind}）`,
    `商户订单号：${shown(anomaly.outTradeNo) || '（无）'}`,
    ...(amount ? [`${amount.label}：${amount.fen} 分（¥${fenToYuan(amount.fen)}）`] : []),
    `发现时间：${beijingTime(anomaly.createdAt)}（北京时间）`,
    `说明：${anomaly.detail}`,
    `异常编号：${id}`,
    `请在管理接口 GET /admin/anomalies 查看，处理后 POST /admin/anomalies/${id}/resolve 记录处理结果。`,
  ];
  return {
    text: lines.join('\n'),
    fields: {
      source: 'fen',
      event: 'anomaly.created',
      id,
      kind: anomaly.kind,
      kindLabel: label,
      outTradeNo: anomaly.outTradeNo,
      ...(anomaly.orderId ? { orderId: anomaly.orderId.toHexString() } : {}),
      ...(amount ? { amountFen: amount.fen, amountYuan: fenToYuan(amount.fen) } : {}),
      detail: anomaly.detail,
      createdAt: anomaly.createdAt.toISOString(),
    },
  };
}

/**
 * The store, alerting on each anomaly it stores for the first time: after the write (durable)
 * and without waiting for the webhook. A repeat of a recorded cause stores nothing and alerts
 * no one.
 */
export function alertingAnomalyStore(store: AnomalyStore, webhook: AlertWebhook): AnomalyStore {
  return {
    ...store,
    async record(anomaly, now) {
      const stored = await store.record(anomaly, now);
      if (stored) webhook.send(anomalyAlert(stored));
      return stored;
    },
  };
}
