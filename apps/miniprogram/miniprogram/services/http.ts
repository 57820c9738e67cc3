import { clientError } from '../utils/errors';

/** One HTTP exchange, as the app needs it. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON when the body was JSON, else the text. */
  data: unknown;
}

/**
 * `wx.request` as a promise. Any HTTP status resolves (the caller decides what it means); only a
 * failure to get an answer at all (no network, timeout, refused) rejects, as NETWORK_ERROR.
 */
export function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: request.url,
      method: request.method,
      header: { 'content-type': 'application/json', ...request.headers },
      timeout: request.timeoutMs,
      dataType: 'json',
      ...(request.body === undefined ? {} : { data: request.body as WechatMiniprogram.IAnyObject }),
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) =>
        reject(clientError('NETWORK_ERROR', `${request.method} ${request.url}: ${err.errMsg}`)),
    });
  });
}

/** True for a 2xx status. */
export const isOk = (status: number) => status >= 200 && status < 300;
