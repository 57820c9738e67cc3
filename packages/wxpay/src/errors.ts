/**
 * One error family for everything WeChat-facing. `kind` says where it failed, `code` is a stable
 * SCREAMING_SNAKE string (for business errors, WeChat's own `err_code`, e.g. `ORDERPAID`).
 * The merchant key is never attached; the parsed reply may be, for diagnosis.
 */
export type WxPayErrorKind =
  'transport' | 'protocol' | 'business' | 'signature' | 'xml' | 'notify' | 'config' | 'api';

export interface WxPayErrorDetails {
  /** WeChat's `return_msg` (protocol errors). */
  returnMsg?: string;
  /** WeChat's `err_code` / `err_code_des` (business errors). */
  errCode?: string;
  errCodeDes?: string;
  /** Mini-program / official-account API error number and message. */
  errcode?: number;
  errmsg?: string;
  /** The HTTP status of a reply that was not 2xx (`HTTP_STATUS`). */
  httpStatus?: number;
  /** The parsed reply, when there was one. Never contains the key. */
  reply?: Record<string, string>;
  cause?: unknown;
}

export class WxPayError extends Error {
  override readonly name = 'WxPayError';
  readonly kind: WxPayErrorKind;
  readonly code: string;
  readonly returnMsg?: string;
  readonly errCode?: string;
  readonly errCodeDes?: string;
  readonly errcode?: number;
  readonly errmsg?: string;
  readonly httpStatus?: number;
  readonly reply?: Record<string, string>;

  constructor(
    kind: WxPayErrorKind,
    code: string,
    message: string,
    details: WxPayErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.code = code;
    this.returnMsg = details.returnMsg;
    this.errCode = details.errCode;
    this.errCodeDes = details.errCodeDes;
    this.errcode = details.errcode;
    this.errmsg = details.errmsg;
    this.httpStatus = details.httpStatus;
    this.reply = details.reply;
  }
}

/** The one factory for WxPayError, so every failure is built the same way. */
export function wxPayError(
  kind: WxPayErrorKind,
  code: string,
  message: string,
  details?: WxPayErrorDetails,
): WxPayError {
  return new WxPayError(kind, code, message, details);
}

/** True when `err` is a WxPayError, and (if given) has this `code`. */
export function isWxPayError(err: unknown, code?: string): err is WxPayError {
  return err instanceof WxPayError && (code === undefined || err.code === code);
}
