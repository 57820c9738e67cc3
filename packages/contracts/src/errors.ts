/** Error codes the API answers with, in `{error: {code, message, requestId}}`. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'ORDER_NOT_PAYABLE',
  'ORDER_NOT_CANCELLABLE',
  'ORDER_NOT_REFUNDABLE',
  'REFUND_EXCEEDS_PAID',
  'PRODUCT_NOT_FOUND',
  'CHANNEL_UNAVAILABLE',
  'LOGIN_CODE_INVALID',
  'WECHAT_UNAVAILABLE',
  'WECHAT_REJECTED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    requestId: string;
  };
}
