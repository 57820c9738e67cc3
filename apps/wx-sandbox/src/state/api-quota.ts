/** The daily-limited token APIs the sandbox counts (each call counts, whatever it answers). */
export type QuotaApi = 'token' | 'ticket';

/** Calls allowed per app per day. `/cgi-bin/token`: 2000 (not verified); getticket: the same. */
export const DEFAULT_DAILY_QUOTA: Record<QuotaApi, number> = { token: 2000, ticket: 2000 };

/** Quota resets allowed per account per calendar month, clear_quota and clear_quota/v2 together. */
export const CLEARS_PER_MONTH = 10;

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** `yyyy-MM-dd` of the Beijing (Asia/Shanghai, UTC+8, no DST) day containing `ms`. */
export const beijingDay = (ms: number): string =>
  new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);

/**
 * WeChat's daily API quota [docs/protocol.md §7]: each app may call an API a limited number of
 * times per day, then gets 45009 until the next day (Beijing time) or until the quota is cleared
 * with `clear_quota`, which has its own monthly limit.
 */
export class ApiQuota {
  readonly #limits: Record<QuotaApi, number>;
  readonly #defaults: Record<QuotaApi, number>;
  /** calls per `${day}:${api}:${appId}` */
  readonly #calls = new Map<string, number>();
  /** successful clears per `${month}:${appId}` */
  readonly #clears = new Map<string, number>();

  constructor(
    limits: Partial<Record<QuotaApi, number>>,
    private readonly nowMs: () => number,
  ) {
    this.#defaults = { ...DEFAULT_DAILY_QUOTA, ...limits };
    this.#limits = { ...this.#defaults };
  }

  /** Counts one call; false when today's quota was already used up (WeChat answers 45009). */
  take(api: QuotaApi, appId: string): boolean {
    const key = `${beijingDay(this.nowMs())}:${api}:${appId}`;
    const used = this.#calls.get(key) ?? 0;
    if (used >= this.#limits[api]) return false;
    this.#calls.set(key, used + 1);
    if (this.#calls.size > 10_000) this.#dropOtherDays();
    return true;
  }

  /** Clears the app's counts for today; false when this month's clears are used up. */
  clear(appId: string): boolean {
    const now = this.nowMs();
    const monthKey = `${beijingDay(now).slice(0, 7)}:${appId}`;
    const clears = this.#clears.get(monthKey) ?? 0;
    if (clears >= CLEARS_PER_MONTH) return false;
    this.#clears.set(monthKey, clears + 1);
    for (const api of Object.keys(DEFAULT_DAILY_QUOTA) as QuotaApi[]) {
      this.#calls.delete(`${beijingDay(now)}:${api}:${appId}`);
    }
    return true;
  }

  /** The control API's view: limits, today's counts per app, this month's clears per app. */
  view() {
    const now = this.nowMs();
    const day = beijingDay(now);
    const month = day.slice(0, 7);
    const used: Record<string, Partial<Record<QuotaApi, number>>> = {};
    for (const [key, count] of this.#calls) {
      const [keyDay, api, appId] = key.split(':') as [string, QuotaApi, string];
      if (keyDay === day) used[appId] = { ...used[appId], [api]: count };
    }
    const clears: Record<string, number> = {};
    for (const [key, count] of this.#clears) {
      const [keyMonth, appId] = key.split(':') as [string, string];
      if (keyMonth === month) clears[appId] = count;
    }
    return { day, limits: { ...this.#limits }, used, clears, clearsPerMonth: CLEARS_PER_MONTH };
  }

  /** The control API: new daily limits (kept until changed or reset). */
  setLimits(limits: Partial<Record<QuotaApi, number>>): void {
    Object.assign(this.#limits, limits);
  }

  /** The control API: limits back to the options', every count and clear forgotten. */
  reset(): void {
    Object.assign(this.#limits, this.#defaults);
    this.#calls.clear();
    this.#clears.clear();
  }

  #dropOtherDays(): void {
    const day = beijingDay(this.nowMs());
    for (const key of this.#calls.keys()) if (!key.startsWith(`${day}:`)) this.#calls.delete(key);
  }
}

/** Problems with daily limits given as options or to the control API. */
export function quotaLimitProblems(limits: unknown): string[] {
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) {
    return ['tokenQuotaPerDay must be an object {token?, ticket?}'];
  }
  const problems: string[] = [];
  for (const [api, value] of Object.entries(limits)) {
    if (!(api in DEFAULT_DAILY_QUOTA)) problems.push(`tokenQuotaPerDay.${api} is not a quota`);
    else if (!(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 1e9)) {
      problems.push(`tokenQuotaPerDay.${api} must be an integer 0–1000000000`);
    }
  }
  return problems;
}
