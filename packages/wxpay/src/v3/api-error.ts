import { WxPayError } from '../errors.js';

/** What WeChat's APIv3 error body carries (docs/protocol.md §6, Errors). */
export interface V3ErrorBody {
  code: string;
  message: string;
  detail?: unknown;
}

/**
 * The one error for a non-2xx APIv3 reply: kind `api`, `code` is WeChat's (`ORDER_NOT_EXIST`,
 * `SIGN_ERROR`, `SYSTEM_ERROR`…, or `HTTP_<status>` when the body has none), with the HTTP status,
 * WeChat's message and detail, and the `Request-ID` to quote to WeChat support.
 */
export class WxPayV3ApiError extends WxPayError {
  readonly status: number;
  readonly wechatMessage: string;
  readonly detail?: unknown;
  readonly requestId?: string;
  /** True when the error reply carried a signature that verified; false when it was unsigned. */
  readonly signatureVerified: boolean;

  constructor(input: {
    label: string;
    status: number;
    body: Partial<V3ErrorBody>;
    requestId?: string;
    signatureVerified: boolean;
  }) {
    const code =
      typeof input.body.code === 'string' && input.body.code !== ''
        ? input.body.code
        : `HTTP_${input.status}`;
    const message = typeof input.body.message === 'string' ? input.body.message : '';
    super('api', code, `${input.label}: HTTP ${input.status} ${code} ${message}`.trim());
    this.status = input.status;
    this.wechatMessage = message;
    this.detail = input.body.detail;
    this.requestId = input.requestId;
    this.signatureVerified = input.signatureVerified;
  }
}

/** The factory for {@link WxPayV3ApiError}, like `wxPayError` for the rest of the family. */
export function v3ApiError(
  input: ConstructorParameters<typeof WxPayV3ApiError>[0],
): WxPayV3ApiError {
  return new WxPayV3ApiError(input);
}

/** True when `err` is an APIv3 API error, and (if given) has WeChat's `code`. */
export function isV3ApiError(err: unknown, code?: string): err is WxPayV3ApiError {
  return err instanceof WxPayV3ApiError && (code === undefined || err.code === code);
}
