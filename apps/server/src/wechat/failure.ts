import { isV3ApiError, isWxPayError } from '@fen/wxpay';
import { appError, isAppError } from '../errors.js';
import type { AppError } from '../errors.js';

/**
 * Why WeChat Pay did not do what was asked, in the server's terms, whichever API version said
 * it (APIv2 `err_code`, APIv3 error `code`):
 * - `ORDER_PAID`: the order is paid (closing it, or a re-entry, came too late);
 * - `ORDER_CLOSED`: the order is closed at WeChat;
 * - `ORDER_NOT_FOUND` / `REFUND_NOT_FOUND`: WeChat has never seen it;
 * - `NOT_ENOUGH`: the merchant's balance cannot cover the refund;
 * - `BUSY`: WeChat asks for the same request again later (system error, rate limit);
 * - `UNREACHABLE`: no answer (network, timeout): unknown whether WeChat acted;
 * - `REFUSED`: any other refusal (its WeChat code is in `code`).
 */
export type WeChatFailureReason =
  | 'ORDER_PAID'
  | 'ORDER_CLOSED'
  | 'ORDER_NOT_FOUND'
  | 'REFUND_NOT_FOUND'
  | 'NOT_ENOUGH'
  | 'BUSY'
  | 'UNREACHABLE'
  | 'REFUSED';

/** A WeChat Pay call that failed, as the gateways report it; the protocol's error is `cause`. */
export class WeChatFailure extends Error {
  override readonly name = 'WeChatFailure';
  readonly reason: WeChatFailureReason;
  /** WeChat's own code (`ORDERPAID`, `ORDER_NOT_EXIST`…) or the wire layer's, for people. */
  readonly code: string;

  constructor(reason: WeChatFailureReason, code: string, cause: unknown) {
    super(`WeChat Pay: ${reason} (${code})`, { cause });
    this.reason = reason;
    this.code = code;
  }
}

/** The reason a WeChat Pay call failed, or undefined when it was not WeChat that failed. */
export function failureReason(err: unknown): WeChatFailureReason | undefined {
  return err instanceof WeChatFailure ? err.reason : undefined;
}

/** True when a WeChat call failed in a way worth retrying later (no answer, or "busy"). */
export function isTransientWeChatFailure(err: unknown): boolean {
  if (err instanceof WeChatFailure) return err.reason === 'BUSY' || err.reason === 'UNREACHABLE';
  // Logins and the JS-SDK are not wrapped: the wire error itself.
  return isWxPayError(err) && err.kind === 'transport';
}

/** A one-line description for logs and timelines, with WeChat's own words (err_code_des). */
export function describeWeChatFailure(err: unknown): string {
  const wire = err instanceof WeChatFailure ? err.cause : err;
  if (!isWxPayError(wire)) return wire instanceof Error ? wire.message : String(wire);
  const parts = [wire.kind, wire.code];
  if (wire.errCodeDes) parts.push(wire.errCodeDes);
  if (isV3ApiError(wire) && wire.wechatMessage) parts.push(wire.wechatMessage);
  if (wire.returnMsg) parts.push(wire.returnMsg);
  if (wire.errmsg) parts.push(wire.errmsg);
  return parts.join(': ');
}

/** Maps a failed WeChat call to the API error the client sees. */
export function weChatCallFailed(action: string, err: unknown): AppError {
  if (isAppError(err)) return err;
  if (isTransientWeChatFailure(err)) {
    return appError('WECHAT_UNAVAILABLE', `WeChat could not ${action} right now; try again`, {
      cause: err,
    });
  }
  if (err instanceof WeChatFailure || isWxPayError(err)) {
    return appError('WECHAT_REJECTED', `WeChat refused to ${action} (${err.code})`, { cause: err });
  }
  return appError('INTERNAL', `failed to ${action}`, { cause: err });
}
