import type { TLSSocket } from 'node:tls';
import { canonicalStringV2, fromXml, verifyV2 } from '@fen/wxpay';
import type { SignType } from '@fen/wxpay';
import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { BodyTooLargeError, readRawBody } from '../http/raw-body.js';
import type { SandboxMerchant } from '../options.js';
import { businessError, protocolFailXml, protocolFailure, signedReplyXml } from './reply.js';
import type { PayOutcome, ProtocolFailure } from './reply.js';

/** An authenticated APIv2 request. */
export interface PayRequest {
  merchant: SandboxMerchant;
  appId: string;
  signType: SignType;
  params: Record<string, string>;
}

export type PayHandler = (request: PayRequest, core: SandboxCore) => PayOutcome;

export interface PayRouteOptions {
  /** `/secapi/…`: only over TLS with a client certificate from the sandbox CA whose CN is the mch_id. */
  clientCertificate?: boolean;
  /** How protocol failures are written (downloadbill adds `error_code` and uses its own words). */
  protocolReply?: (failure: ProtocolFailure) => string;
}

const CERT_MESSAGE = '证书错误：请使用商户API证书（双向TLS，由沙盒CA签发，CN为商户号）调用此接口';

/**
 * Wraps a pay handler in WeChat's APIv2 rules [docs/protocol.md §1, §2]: POST, raw XML body (size
 * limit, UTF-8), the merchant, appid pairing, sign_type and signature — failing with
 * `return_code=FAIL` and no sign — then injected SYSTEMERRORs, then the handler, whose outcome is
 * signed with the request's sign type. From parsing on, everything runs without an await, so
 * concurrent requests never see each other's half-done work.
 */
export function payRoute(
  core: SandboxCore,
  path: string,
  handler: PayHandler,
  options: PayRouteOptions = {},
) {
  const failXml = options.protocolReply ?? ((f: ProtocolFailure) => protocolFailXml(f.message));
  return async (ctx: Context): Promise<void> => {
    const fail = (failure: ProtocolFailure) => {
      core.logger({
        level: 'warn',
        msg: 'pay request refused',
        path,
        reason: failure.reason,
        return_msg: failure.message,
      });
      respondXml(ctx, failXml(failure));
    };
    if (ctx.method !== 'POST') return fail(protocolFailure('METHOD', '请使用post方法'));
    let raw: Buffer;
    try {
      raw = await readRawBody(ctx.req, core.options.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return fail(protocolFailure('TOO_LARGE', 'post数据过大'));
      throw err;
    }
    if (raw.length === 0) return fail(protocolFailure('EMPTY', 'post数据为空'));
    let certificateCn: string | undefined;
    if (options.clientCertificate) {
      const socket = ctx.req.socket as Partial<TLSSocket>;
      if (!socket.encrypted || socket.authorized !== true)
        return fail(protocolFailure('CERT', CERT_MESSAGE));
      const subject = socket.getPeerCertificate?.().subject as
        Record<string, string | string[]> | undefined;
      const cn = subject?.CN;
      certificateCn = Array.isArray(cn) ? cn[0] : cn;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return fail(protocolFailure('NOT_UTF8', '编码格式错误，请使用UTF-8编码'));
    }
    let params: Record<string, string>;
    try {
      params = fromXml(text, { maxBytes: core.options.maxBodyBytes });
    } catch {
      return fail(protocolFailure('XML', 'XML格式错误'));
    }
    const request = authenticate(core, params);
    if ('kind' in request) {
      if (request.reason === 'SIGN') {
        // The canonical string holds no key: it is what a developer needs to find the mismatch.
        core.logger({
          level: 'warn',
          msg: 'signature mismatch',
          path,
          canonical: canonicalStringV2(params),
        });
      }
      return fail(request);
    }
    if (options.clientCertificate && certificateCn !== request.merchant.mchId) {
      return fail(protocolFailure('CERT', '证书错误：API证书的CN与商户号mch_id不匹配'));
    }
    const injected = core.faults.systemErrorFor(path);
    let outcome: PayOutcome;
    if (injected && !injected.after) {
      outcome = businessError(injected.errCode, '系统超时，请稍后重试');
    } else {
      outcome = handler(request, core);
      if (injected) outcome = businessError(injected.errCode, '系统超时，请稍后重试');
    }
    switch (outcome.kind) {
      case 'raw':
        ctx.status = 200;
        ctx.type = outcome.contentType;
        ctx.set(outcome.headers ?? {});
        ctx.body = outcome.body;
        return;
      case 'xml':
        return respondXml(ctx, protocolFailXml(outcome.fields.return_msg ?? '', outcome.fields));
      default:
        return respondXml(ctx, signedReplyXml(request, outcome));
    }
  };
}

function respondXml(ctx: Context, xml: string): void {
  ctx.status = 200;
  ctx.type = 'text/xml; charset=utf-8';
  ctx.body = xml;
}

/** mch_id, appid pairing, nonce_str, sign_type and sign, in that order. */
function authenticate(
  core: SandboxCore,
  params: Record<string, string>,
): PayRequest | ProtocolFailure {
  const mchId = params.mch_id;
  if (!mchId) return protocolFailure('MISSING', '缺少参数mch_id');
  if (!/^\d+$/.test(mchId)) return protocolFailure('MCHID', 'mch_id参数格式错误');
  const merchant = core.merchants.get(mchId);
  if (!merchant) return protocolFailure('MCHID', '商户号mch_id不存在');
  const appId = params.appid;
  if (!appId) return protocolFailure('MISSING', '缺少参数appid');
  if (!merchant.appIds.includes(appId)) return protocolFailure('APPID', 'appid和mch_id不匹配');
  if (!params.nonce_str) return protocolFailure('MISSING', '缺少参数nonce_str');
  if (params.nonce_str.length > 32) return protocolFailure('FORMAT', 'nonce_str参数长度有误');
  const signType = params.sign_type || 'MD5';
  if (signType !== 'MD5' && signType !== 'HMAC-SHA256')
    return protocolFailure('FORMAT', 'sign_type参数格式错误');
  if (!params.sign) return protocolFailure('MISSING', '缺少参数sign');
  if (!verifyV2(params, merchant.key)) return protocolFailure('SIGN', '签名错误，请检查后再试');
  return { merchant, appId, signType, params };
}
