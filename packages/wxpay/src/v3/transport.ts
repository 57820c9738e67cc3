import type { Dispatcher } from 'undici';
import { wxPayError } from '../errors.js';
import { httpRequest } from '../http.js';
import { joinUrl } from '../url.js';
import { v3ApiError } from './api-error.js';
import type { V3ErrorBody } from './api-error.js';
import type { RequestSigner } from './request-signature.js';
import type { V3Verifier } from './verifier.js';

/** Everything one APIv3 client shares between calls. */
export interface V3Transport {
  baseUrl: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxReplyBytes: number;
  signer: RequestSigner;
  now: () => number;
}

export interface V3Call {
  method: 'GET' | 'POST';
  /** Path below the base URL, query included, already encoded. */
  path: string;
  body?: unknown;
  /** Says which call failed in errors, e.g. `POST /v3/pay/transactions/jsapi`. */
  label: string;
  /** Absolute URL instead of base URL + path (bill files). */
  absoluteUrl?: string;
}

export interface V3Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const USER_AGENT = 'fen-wxpay (node)';

/**
 * Sends a signed APIv3 request (docs/protocol.md §6) and checks the reply: with `verifier`, a 2xx
 * must carry a valid signature; a non-2xx reply is verified when it is signed and becomes a
 * `WxPayV3ApiError` either way. Pass `verifier: null` only for replies WeChat does not sign
 * (bill files, checked by hash) or that are checked otherwise (the certificate download).
 */
export async function sendV3(
  transport: V3Transport,
  call: V3Call,
  verifier: V3Verifier | null,
): Promise<V3Reply> {
  const url = new URL(call.absoluteUrl ?? joinUrl(transport.baseUrl, call.path));
  const body = call.body === undefined ? '' : JSON.stringify(call.body);
  const signed = transport.signer.sign({
    method: call.method,
    // The path as the server receives it, so a base URL with a path prefix still verifies.
    url: url.pathname + url.search,
    body,
    timestamp: String(Math.floor(transport.now() / 1000)),
  });
  const reply = await httpRequest({
    method: call.method,
    url: url.toString(),
    label: call.label,
    timeoutMs: transport.timeoutMs,
    maxBytes: transport.maxReplyBytes,
    dispatcher: transport.dispatcher,
    acceptAnyStatus: true,
    headers: {
      authorization: signed.authorization,
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(call.body === undefined ? {} : { body }),
  });
  const ok = reply.status >= 200 && reply.status <= 299;
  const signedReply = reply.headers['wechatpay-signature'] !== undefined;
  if (verifier !== null && (ok || signedReply)) {
    await verifier.verify({ headers: reply.headers, body: reply.body }, call.label, 'reply');
  }
  if (!ok) {
    throw v3ApiError({
      label: call.label,
      status: reply.status,
      body: parseErrorBody(reply.body),
      signatureVerified: verifier !== null && signedReply,
      ...(reply.headers['request-id'] === undefined
        ? {}
        : { requestId: reply.headers['request-id'] }),
    });
  }
  return { status: reply.status, headers: reply.headers, body: reply.body };
}

function parseErrorBody(body: Buffer): Partial<V3ErrorBody> {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Partial<V3ErrorBody>) : {};
  } catch {
    return {};
  }
}

/** The reply body as a JSON object, or an `api` `V3_BAD_RESPONSE` error. */
export function replyJson<T>(reply: V3Reply, label: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body.toString('utf8'));
  } catch (err) {
    throw wxPayError('api', 'V3_BAD_RESPONSE', `${label}: reply is not JSON`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw wxPayError('api', 'V3_BAD_RESPONSE', `${label}: reply is not a JSON object`);
  }
  return parsed as T;
}
