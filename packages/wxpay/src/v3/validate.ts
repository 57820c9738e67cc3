import { wxPayError } from '../errors.js';

/** Collects every problem with a request before anything is sent, to throw them as one error. */
export class Problems {
  readonly #list: string[] = [];

  add(problem: string): void {
    this.#list.push(problem);
  }

  /** Throws `config` `code` listing every problem, if there is any. */
  throwIfAny(where: string, code = 'INVALID_ARGUMENT'): void {
    if (this.#list.length > 0)
      throw wxPayError('config', code, `${where}: ${this.#list.join('; ')}`);
  }
}

const OUT_NO = /^[0-9A-Za-z_\-|*@]+$/;

/** `out_trade_no`: 6–32 of `[0-9A-Za-z_-|*@]`. */
export function checkOutTradeNo(value: unknown, problems: Problems, field = 'out_trade_no'): void {
  if (typeof value !== 'string' || value.length < 6 || value.length > 32 || !OUT_NO.test(value)) {
    problems.add(`${field} must be 6..32 of [0-9A-Za-z_-|*@]`);
  }
}

/** `out_refund_no`: 1–64 of the same characters. */
export function checkOutRefundNo(value: unknown, problems: Problems): void {
  if (typeof value !== 'string' || value.length < 1 || value.length > 64 || !OUT_NO.test(value)) {
    problems.add('out_refund_no must be 1..64 of [0-9A-Za-z_-|*@]');
  }
}

/** `transaction_id`: WeChat's digits. */
export function checkTransactionId(value: unknown, problems: Problems): void {
  if (typeof value !== 'string' || !/^\d{1,32}$/.test(value)) {
    problems.add('transaction_id must be WeChat digits (1..32)');
  }
}

/** Money is integer fen: `19.9` or `'100'` is refused before anything is sent. */
export function checkFen(value: unknown, field: string, problems: Problems): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    problems.add(`${field} must be a positive integer number of fen`);
  }
}

export function checkNonEmptyString(
  value: unknown,
  field: string,
  problems: Problems,
  max?: number,
) {
  if (typeof value !== 'string' || value === '') problems.add(`${field} is required`);
  else if (max !== undefined && [...value].length > max)
    problems.add(`${field} is longer than ${max} characters`);
}
