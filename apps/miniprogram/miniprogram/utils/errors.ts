import type { ApiErrorBody, ErrorCode } from '@fen/contracts';

/** What can go wrong in the app: the server's codes, plus what only a client sees. */
export type ClientErrorCode =
  ErrorCode | 'NETWORK_ERROR' | 'BAD_RESPONSE' | 'LOGIN_FAILED' | 'SANDBOX_ERROR';

/** The app's one error type; `code` is stable, `message` is for people. */
export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** The HTTP status, when a server answered. */
    readonly status?: number,
    /** The server's request id, to quote when reporting a problem. */
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/** The one factory for ClientError. */
export function clientError(
  code: ClientErrorCode,
  message: string,
  details: { status?: number; requestId?: string } = {},
): ClientError {
  return new ClientError(code, message, details.status, details.requestId);
}

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** A non-2xx answer as a ClientError: the server's `{error: {code, message, requestId}}` when it
 *  sent one, else a generic one by status. */
export function errorFromResponse(status: number, body: unknown): ClientError {
  if (isApiErrorBody(body)) {
    return clientError(body.error.code, body.error.message, {
      status,
      requestId: body.error.requestId,
    });
  }
  if (status === 401) return clientError('UNAUTHORIZED', 'Not logged in', { status });
  if (status >= 500) {
    return clientError('SERVICE_UNAVAILABLE', `The server answered ${status}`, { status });
  }
  return clientError('BAD_RESPONSE', `Unexpected answer from the server (${status})`, { status });
}

/** True when `error` is a ClientError (with `code`, when given). */
export function isClientError(error: unknown, code?: ClientErrorCode): error is ClientError {
  return error instanceof ClientError && (code === undefined || error.code === code);
}

/** Text to show a person for any failure. */
export function describeError(error: unknown): string {
  if (error instanceof ClientError) {
    if (error.code === 'NETWORK_ERROR')
      return 'Cannot reach the shop. Check the network and retry.';
    return error.requestId ? `${error.message} (ref ${error.requestId})` : error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong';
}
