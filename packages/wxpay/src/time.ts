import { wxPayError } from './errors.js';

// WeChat's times are Beijing time, UTC+8 all year (China has no daylight saving time).
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
const WX_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** Seconds since the epoch as a string: the `timeStamp` / `timestamp` of pay parameters. */
export function timeStampSeconds(date: Date = new Date()): string {
  return String(Math.floor(requireDate(date, 'timeStampSeconds').getTime() / 1000));
}

/**
 * `yyyyMMddHHmmss` in Beijing time (docs/protocol.md §1): `time_start`, `time_expire`, `time_end`.
 */
export function formatWxTime(date: Date): string {
  const d = new Date(requireDate(date, 'formatWxTime').getTime() + BEIJING_OFFSET_MS);
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) {
    throw wxPayError('config', 'INVALID_ARGUMENT', 'formatWxTime: year must have 4 digits');
  }
  return (
    String(year) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds())
  );
}

/**
 * The instant a `yyyyMMddHHmmss` Beijing time names. A string of another shape, or a date that
 * does not exist (`20240230…`, hour 24), throws `WxPayError` kind `config`, code `INVALID_ARGUMENT`.
 */
export function parseWxTime(text: string): Date {
  const m = typeof text === 'string' ? WX_TIME.exec(text) : null;
  if (m === null) {
    throw wxPayError('config', 'INVALID_ARGUMENT', 'parseWxTime: expected yyyyMMddHHmmss');
  }
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (formatWxTime(new Date(utc - BEIJING_OFFSET_MS)) !== text) {
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `parseWxTime: ${text} is not a real date and time`,
    );
  }
  return new Date(utc - BEIJING_OFFSET_MS);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function requireDate(date: Date, fn: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw wxPayError('config', 'INVALID_ARGUMENT', `${fn}: expected a valid Date`);
  }
  return date;
}
