/**
 * An amount of money in fen (分), the unit WeChat Pay counts in: 1 yuan = 100 fen.
 * Always a non-negative safe integer; never a float of yuan.
 */
export type Fen = number;

/** True when `value` is a usable amount in fen: a non-negative safe integer. */
export function isFen(value: unknown): value is Fen {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
