import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { BodyTooLargeError, readRawBody } from '../http/raw-body.js';
import { authenticateV3 } from './authenticate.js';
import type { V3Caller } from './authenticate.js';
import { sendSigned, v3Error } from './reply.js';
import type { V3Error, V3Outcome } from './reply.js';
import { v3State } from './state.js';

/** An authenticated APIv3 request, ready for a handler. */
export interface V3Request {
  caller: V3Caller;
  /** Path parameters (`:out_trade_no` …), decoded. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** The parsed JSON body of a POST; `undefined` for a GET. */
  body: Record<string, unknown> | undefined;
  /** `http://127.0.0.1:<port>` as the caller reached the sandbox (for download_url). */
  origin: string;
}

export type V3Handler = (request: V3Request, core: SandboxCore) => V3Outcome;

/** An injected `systemError` fault as APIv3 says it: 500 SYSTEM_ERROR, 429 FREQUENCY_LIMITED… */
export function injectedV3Error(errCode: string): V3Error {
  switch (errCode) {
    case 'FREQUENCY_LIMITED':
      return v3Error(429, 'FREQUENCY_LIMITED', '频率超限，请降低请求接口频率');
    case 'NOTENOUGH':
    case 'NOT_ENOUGH':
      return v3Error(403, 'NOT_ENOUGH', '基本账户余额不足，请充值后重新发起');
    case 'SYSTEMERROR':
    case 'SYSTEM_ERROR':
      return v3Error(500, 'SYSTEM_ERROR', '系统繁忙,请稍后重试');
    default:
      return v3Error(500, errCode, '系统繁忙,请稍后重试');
  }
}

/**
 * Wraps an APIv3 handler in WeChat's rules [docs/protocol.md §6]: raw body (size limit, UTF-8), the
 * merchant's `Authorization` over the exact URL and body (401 SIGN_ERROR…), the JSON body of a
 * POST (400 PARAM_ERROR), injected faults, then the handler. Every answer — errors included —
 * is signed with the platform key of the current mode. From authentication on there is no
 * await, so concurrent requests never see each other's half-done work.
 */
export function v3Route(core: SandboxCore, handler: V3Handler) {
  return async (ctx: Context): Promise<void> => {
    const keys = v3State(core).keys;
    const reply = (outcome: V3Outcome) => {
      if (outcome.kind === 'error') {
        core.logger({
          level: outcome.status >= 500 ? 'warn' : 'info',
          msg: 'v3 request refused',
          path: ctx.path,
          status: outcome.status,
          code: outcome.code,
        });
      }
      const signer =
        outcome.kind === 'json' && outcome.signWithCertificate
          ? keys.certificateSigner()
          : keys.signer();
      sendSigned(ctx, outcome, signer, String(Math.floor(core.clock.nowMs() / 1000)));
    };
    let raw: Buffer;
    try {
      raw = await readRawBody(ctx.req, core.options.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return reply(v3Error(400, 'PARAM_ERROR', '请求体过大'));
      throw err;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return reply(v3Error(400, 'PARAM_ERROR', '请求体不是UTF-8编码'));
    }
    const caller = authenticateV3(core, {
      method: ctx.method,
      url: ctx.originalUrl,
      authorization: ctx.get('authorization') || undefined,
      body: text,
    });
    if ('kind' in caller) return reply(caller);
    let body: Record<string, unknown> | undefined;
    if (ctx.method === 'POST') {
      const parsed = parseJsonObject(text);
      if (parsed === undefined)
        return reply(v3Error(400, 'PARAM_ERROR', '请求体不是合法的JSON对象'));
      body = parsed;
    }
    const request: V3Request = {
      caller,
      params: { ...(ctx.params as Record<string, string>) },
      query: Object.fromEntries(
        Object.entries(ctx.query).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
      body,
      // Koa's ctx.origin is "null" here; the Host the caller used is what a download_url needs.
      origin: `${ctx.protocol}://${ctx.get('host')}`,
    };
    const injected = core.faults.systemErrorFor(ctx.path);
    if (injected && !injected.after) return reply(injectedV3Error(injected.errCode));
    const outcome = handler(request, core);
    reply(injected ? injectedV3Error(injected.errCode) : outcome);
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
