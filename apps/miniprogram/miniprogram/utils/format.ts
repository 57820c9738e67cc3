import type { Fen } from '@fen/contracts';

/**
 * Formats an amount of integer fen as yuan for display: 1990 → "¥19.90", 5 → "¥0.05".
 * The one place amounts become text. Works on the decimal digits of the integer, so no float
 * ever touches money (docs/pitfalls.md #13).
 */
export function formatFen(amount: Fen): string {
  if (!Number.isSafeInteger(amount)) {
    throw new TypeError(`an amount must be a whole number of fen, got ${String(amount)}`);
  }
  const digits = String(Math.abs(amount)).padStart(3, '0');
  const sign = amount < 0 ? '-' : '';
  return `${sign}¥${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** unit price × quantity in fen, refusing anything but whole fen and whole, positive quantities. */
export function multiplyFen(unitFen: Fen, quantity: number): Fen {
  if (!Number.isSafeInteger(unitFen) || unitFen < 0) {
    throw new TypeError(`a price must be a whole, non-negative number of fen, got ${unitFen}`);
  }
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new TypeError(`a quantity must be a positive whole number, got ${quantity}`);
  }
  const total = unitFen * quantity;
  if (!Number.isSafeInteger(total)) throw new RangeError('the total is too large');
  return total;
}

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * An ISO 8601 instant as Beijing time, "2025-01-02 13:04" (WeChat Pay's time zone, whatever the
 * phone's); "" when absent or unreadable.
 */
export function formatTime(iso: string | undefined): string {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const t = new Date(ms + BEIJING_OFFSET_MS);
  return (
    `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`
  );
}
