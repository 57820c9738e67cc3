import { createHash } from 'node:crypto';

export interface JssdkSignatureInput {
  /** The jsapi_ticket (`getJsapiTicket()`). */
  ticket: string;
  nonceStr: string;
  /** Seconds since epoch, as given to `wx.config`. */
  timestamp: string | number;
  /** The page URL; its `#fragment` is dropped. */
  url: string;
}

/**
 * The `wx.config` signature of the JS-SDK [D-jssdk]: lowercase hex SHA-1 of
 * `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` (fixed, sorted names; raw values, no
 * URL-escaping; the URL without its fragment).
 */
export function jssdkSignature(input: JssdkSignatureInput): string {
  const hash = input.url.indexOf('#');
  const url = hash === -1 ? input.url : input.url.slice(0, hash);
  const string1 =
    `jsapi_ticket=${input.ticket}&noncestr=${input.nonceStr}` +
    `&timestamp=${String(input.timestamp)}&url=${url}`;
  return createHash('sha1').update(string1, 'utf8').digest('hex');
}
