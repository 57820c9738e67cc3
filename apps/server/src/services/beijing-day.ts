/**
 * Days as WeChat's bills cut them: Beijing time (Asia/Shanghai, UTC+8 all year, no daylight
 * saving), written `YYYY-MM-DD`.
 */
const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** The Beijing day `at` falls on. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** The Beijing hour (0–23) of `at`. */
export function beijingHour(at: Date): number {
  return new Date(at.getTime() + OFFSET_MS).getUTCHours();
}

/** The day before the Beijing day of `at`. */
export function beijingYesterday(at: Date): string {
  return beijingDate(new Date(at.getTime() - DAY_MS));
}

/** [00:00, next 00:00) Beijing time of a day; undefined unless `date` is a real `YYYY-MM-DD`. */
export function beijingDayRange(date: string): { from: Date; to: Date } | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const from = new Date(`${date}T00:00:00+08:00`);
  if (Number.isNaN(from.getTime()) || beijingDate(from) !== date) return undefined;
  return { from, to: new Date(from.getTime() + DAY_MS) };
}
