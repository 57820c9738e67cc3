import { isWxPayError } from '@fen/wxpay';
import { appError, isAppError } from '../errors.js';
import type { AppError } from '../errors.js';

/** Business codes WeChat says to retry with the same parameters. */
const RETRYABLE = new Set(['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED']);

/** True when a WeChat call failed in a way worth retrying later (no answer, or "busy"). */
export function isTransientWeChatFailure(err: unknown): boolean {
  if (!isWxPayError(err)) return false;
  return err.kind === 'transport' || (err.kind === 'business' && RETRYABLE.has(err.code));
}

/** WeChat's business error code (`ORDERPAID`, …) when the call was refused for that reason. */
export function wechatErrCode(err: unknown): string | undefined {
  return isWxPayError(err) && err.kind === 'business' ? err.code : undefined;
}

/** A one-line description for logs and timelines, with WeChat's own words (err_code_des). */
export function describeWeChatFailure(err: unknown): string {
  if (!isWxPayError(err)) return err instanceof Error ? err.message : String(err);
  const parts = [err.kind, err.code];
  if (err.errCodeDes) parts.push(err.errCodeDes);
  if (err.returnMsg) parts.push(err.returnMsg);
  if (err.errmsg) parts.push(err.errmsg);
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
  if (isWxPayError(err)) {
    return appError('WECHAT_REJECTED', `WeChat refused to ${action} (${err.code})`, { cause: err });
  }
  return appError('INTERNAL', `failed to ${action}`, { cause: err });
}
