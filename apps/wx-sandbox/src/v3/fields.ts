import type { V3Error } from './reply.js';
import { paramError } from './reply.js';

/** APIv3 out_trade_no: 6–32 of `0-9 A-Z a-z _ - | * @` [docs/protocol.md §6, Endpoints]. */
export const V3_OUT_TRADE_NO = /^[0-9A-Za-z_\-|*@]{6,32}$/;

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Integer fen as a JSON number: `19.9` and `"1990"` are refused. */
export const isFenNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= 9_999_999_999;

/** A required string of 1…max characters (counted as characters, not bytes), or a PARAM_ERROR. */
export function requireString(
  body: Json,
  field: string,
  max: number,
  location = 'body',
): V3Error | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '')
    return paramError(field, '为必填参数', location);
  if (typeof value !== 'string') return paramError(field, '应为字符串', location);
  if ([...value].length > max) return paramError(field, `长度不能超过${max}`, location);
  return undefined;
}

/** An optional string of at most max characters, or a PARAM_ERROR. */
export function optionalString(body: Json, field: string, max: number): V3Error | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return paramError(field, '应为字符串');
  if ([...value].length > max) return paramError(field, `长度不能超过${max}`);
  return undefined;
}

/** Keys sorted at every level: two requests with the same content give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
