import type { Dispatcher } from 'undici';
import { wxPayError } from './errors.js';
import { httpRequest } from './http.js';
import { joinUrl } from './url.js';

/** Transport settings shared by the calls of one `createWeChatApi` instance. */
export interface WeChatHttp {
  baseUrl: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
}

export type WeChatJson = Record<string, unknown>;

const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Calls a mini-program / official-account JSON API and returns the parsed object. `errcode` ≠ 0
 * becomes `WxPayError` kind `api`, code `WX_<errcode>` (`WX_MINUS_1` for -1), carrying `errcode`
 * and `errmsg`. Messages name only the method and path: queries hold the AppSecret or a token.
 */
export async function callWeChatJson(
  http: WeChatHttp,
  method: 'GET' | 'POST',
  path: string,
  query: Record<string, string>,
  body?: WeChatJson,
): Promise<WeChatJson> {
  const label = `${method} ${path}`;
  const url = new URL(joinUrl(http.baseUrl, path));
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const reply = await httpRequest({
    method,
    url: url.toString(),
    label,
    timeoutMs: http.timeoutMs,
    maxBytes: MAX_JSON_BYTES,
    dispatcher: http.dispatcher,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const json = parseJsonObject(reply.body.toString('utf8'), label);
  throwOnErrcode(json, label);
  return json;
}

/** Throws the `api` error for a reply whose `errcode` is present and not 0. */
export function throwOnErrcode(json: WeChatJson, label: string): void {
  const errcode = json.errcode;
  if (errcode === undefined || errcode === 0 || errcode === '0') return;
  const num = Number(errcode);
  const errmsg = typeof json.errmsg === 'string' ? json.errmsg : '';
  throw wxPayError('api', wxApiErrorCode(num), `${label}: errcode ${num} ${errmsg}`.trim(), {
    errcode: num,
    errmsg,
  });
}

/** `WX_40029`, `WX_MINUS_1`: the stable error code for a WeChat `errcode`. */
export function wxApiErrorCode(errcode: number): string {
  if (!Number.isInteger(errcode)) return 'WX_UNKNOWN_ERRCODE';
  return errcode < 0 ? `WX_MINUS_${-errcode}` : `WX_${errcode}`;
}

function parseJsonObject(text: string, label: string): WeChatJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw wxPayError('api', 'WX_BAD_RESPONSE', `${label}: reply is not JSON`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw wxPayError('api', 'WX_BAD_RESPONSE', `${label}: reply is not a JSON object`);
  }
  return parsed as WeChatJson;
}

/** Reads a string field WeChat promised, or throws `WX_BAD_RESPONSE` naming it. */
export function requireString(json: WeChatJson, field: string, label: string): string {
  const value = json[field];
  if (typeof value !== 'string' || value === '') {
    throw wxPayError('api', 'WX_BAD_RESPONSE', `${label}: reply has no ${field}`);
  }
  return value;
}

/** Reads `expires_in` (seconds), accepting a numeric string. */
export function requireSeconds(json: WeChatJson, field: string, label: string): number {
  const value = Number(json[field]);
  if (!Number.isFinite(value) || value <= 0) {
    throw wxPayError('api', 'WX_BAD_RESPONSE', `${label}: reply has no valid ${field}`);
  }
  return value;
}
