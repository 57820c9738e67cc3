import { createPrivateKey, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encryptResource, signWechatpayMessage } from '@fen/wxpay';
import { DEMO_CERTS_DIR, DEMO_MERCHANT } from '@fen/wx-sandbox';
import { DEMO } from './stack.js';

// APIv3 notifications built by hand, exactly as WeChat sends them: the resource encrypted with
// the APIv3 key (AEAD_AES_256_GCM), the body signed with the sandbox's platform key, whose
// certificate the server downloads from the sandbox's /v3/certificates.

const read = (name: string) => readFileSync(new URL(name, DEMO_CERTS_DIR), 'utf8');

/** The sandbox's first platform certificate (certs/README.md): what signs until a rotation. */
export const SANDBOX_PLATFORM = {
  serial: '3E5F0B7C2A91D4E6F8A0B1C2D3E4F5061728394A',
  privateKey: createPrivateKey(read('wechatpay_platform_key.pem')),
};

export interface V3Signer {
  serial: string;
  privateKey: KeyObject;
}

/** Beijing time in RFC 3339, as APIv3 writes success_time and create_time. */
function beijing(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

/** The TRANSACTION.SUCCESS resource for `order`; override any field to test a refusal. */
export function transactionResource(
  order: { outTradeNo: string; totalFen: number },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    appid: DEMO.appId,
    mchid: DEMO.mchId,
    out_trade_no: order.outTradeNo,
    transaction_id: `42000${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: beijing(new Date()),
    payer: { openid: 'o-notify-test' },
    amount: {
      total: order.totalFen,
      payer_total: order.totalFen,
      currency: 'CNY',
      payer_currency: 'CNY',
    },
    ...overrides,
  };
}

/** A signed notification: the exact body and its Wechatpay-* headers. */
export interface V3Message {
  body: string;
  headers: Record<string, string>;
}

/**
 * An APIv3 notification of `resource`: encrypted with `apiV3Key` (the demo merchant's unless a
 * test forges one), signed by `signer` (the sandbox's platform key unless told).
 */
export function v3Notification(
  resource: Record<string, unknown>,
  options: {
    eventType?: string;
    originalType?: 'transaction' | 'refund';
    apiV3Key?: string;
    signer?: V3Signer;
    timestamp?: string;
  } = {},
): V3Message {
  const originalType = options.originalType ?? 'transaction';
  const encrypted = encryptResource(
    JSON.stringify(resource),
    options.apiV3Key ?? DEMO_MERCHANT.apiV3Key,
    {
      associatedData: originalType,
    },
  );
  const body = JSON.stringify({
    id: randomUUID(),
    create_time: beijing(new Date()),
    resource_type: 'encrypt-resource',
    event_type: options.eventType ?? 'TRANSACTION.SUCCESS',
    summary: originalType === 'transaction' ? '支付成功' : '退款成功',
    resource: { original_type: originalType, ...encrypted },
  });
  const signer = options.signer ?? SANDBOX_PLATFORM;
  const headers = signWechatpayMessage({
    body,
    privateKey: signer.privateKey,
    serial: signer.serial,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  return { body, headers };
}

/** POSTs a v3 notification; returns the status and the JSON reply (empty on 204). */
export async function postV3Notification(
  url: string,
  message: V3Message,
): Promise<{ status: number; body: { code?: string; message?: string } | undefined }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...message.headers },
    body: message.body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { code?: string }) : undefined };
}

/** APIv3's acknowledgement: any 2xx (the server answers 204). */
export const isAcknowledged = (status: number) => status >= 200 && status <= 299;
