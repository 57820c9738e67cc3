import { randomUUID } from 'node:crypto';
import { signWechatpayMessage } from '@fen/wxpay';
import type { Context } from 'koa';
import type { Signer } from './platform-keys.js';

/** An APIv3 error as WeChat writes it: HTTP status and `{code, message, detail?}` [docs/protocol.md §6, Errors]. */
export interface V3Error {
  kind: 'error';
  status: number;
  code: string;
  message: string;
  detail?: { field?: string; value?: unknown; issue?: string; location?: string };
}

/** What an APIv3 handler decided. */
export type V3Outcome =
  | { kind: 'json'; status: number; body: unknown; signWithCertificate?: boolean }
  | { kind: 'empty' } // 204 No Content
  /** A file (the bill): WeChat does not sign it, the client checks its hash instead. */
  | { kind: 'raw'; body: Buffer; contentType: string }
  | V3Error;

export const ok = (body: unknown, status = 200): V3Outcome => ({ kind: 'json', status, body });
export const noContent = (): V3Outcome => ({ kind: 'empty' });

export const v3Error = (
  status: number,
  code: string,
  message: string,
  detail?: V3Error['detail'],
): V3Error => ({ kind: 'error', status, code, message, ...(detail ? { detail } : {}) });

/** 400 PARAM_ERROR naming the field, the way WeChat's detail does. */
export const paramError = (field: string, issue: string, location = 'body'): V3Error =>
  v3Error(400, 'PARAM_ERROR', `${field}${issue}`, { field, location, issue });

/**
 * Writes an outcome with WeChat's headers: `Request-ID` and the `Wechatpay-*` signature over the
 * exact body bytes (an empty 204 body included) made with `signer` [docs/protocol.md §6].
 */
export function sendSigned(
  ctx: Context,
  outcome: V3Outcome,
  signer: Signer,
  timestamp: string,
): void {
  if (outcome.kind === 'raw') {
    ctx.status = 200;
    ctx.set('Request-ID', randomUUID().toUpperCase().replace(/-/g, ''));
    ctx.type = outcome.contentType;
    ctx.body = outcome.body;
    return;
  }
  let status: number;
  let body = '';
  if (outcome.kind === 'empty') status = 204;
  else if (outcome.kind === 'json') {
    status = outcome.status;
    body = JSON.stringify(outcome.body);
  } else {
    status = outcome.status;
    const { code, message, detail } = outcome;
    body = JSON.stringify(detail ? { code, message, detail } : { code, message });
  }
  const headers = signWechatpayMessage({
    body,
    privateKey: signer.privateKey,
    serial: signer.serial,
    timestamp,
  });
  ctx.status = status;
  ctx.set('Request-ID', randomUUID().toUpperCase().replace(/-/g, ''));
  for (const [name, value] of Object.entries(headers)) {
    // Replies carry no Signature-Type; notifications do [docs/protocol.md §6].
    if (name !== 'Wechatpay-Signature-Type') ctx.set(name, value);
  }
  if (status === 204) {
    ctx.body = null;
    return;
  }
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = body;
}
