import type { ErrorCode } from '@fen/contracts';

const DEFAULT_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ORDER_NOT_PAYABLE: 409,
  ORDER_NOT_CANCELLABLE: 409,
  ORDER_NOT_REFUNDABLE: 409,
  REFUND_EXCEEDS_PAID: 409,
  PRODUCT_NOT_FOUND: 400,
  CHANNEL_UNAVAILABLE: 400,
  LOGIN_CODE_INVALID: 400,
  WECHAT_UNAVAILABLE: 503,
  WECHAT_REJECTED: 502,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface AppErrorOptions {
  /** HTTP status; defaults by code. */
  status?: number;
  /** Whether `message` may be shown to the client; defaults to true below 500. */
  expose?: boolean;
  cause?: unknown;
}

/** The server's one error type: a stable code from `@fen/contracts`, an HTTP status, and whether
 *  the message is safe to show. Services throw it; the error middleware renders it. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.expose =
      options.expose ?? (this.status < 500 || this.status === 502 || this.status === 503);
  }
}

/** The one factory for {@link AppError}. */
export function appError(code: ErrorCode, message: string, options?: AppErrorOptions): AppError {
  return new AppError(code, message, options);
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
