/** The tokens WeChat limits per app per day, as the admin API names them. */
export type TokenQuotaKind = 'access_token' | 'jsapi_ticket';

/** One appid's token fetches today (Asia/Shanghai day) and whether WeChat's quota stopped them. */
export interface AppTokenQuota {
  appId: string;
  /** Fetches from WeChat today (cache hits not counted), counted by every instance together. */
  fetches: Record<TokenQuotaKind, number>;
  /** Per kind: when WeChat answered 45009 (ISO time); absent while fetching is allowed. */
  blockedSince: Partial<Record<TokenQuotaKind, string>>;
  /** The last reset through `POST /admin/token-quota/:appid/reset`, if any this month. */
  lastReset?: { operator: string; at: string };
}

/** `GET /admin/token-quota`. */
export interface TokenQuotaResponse {
  /** `yyyy-MM-dd`, Asia/Shanghai: the day WeChat's quota counts. */
  day: string;
  apps: AppTokenQuota[];
}

/** `POST /admin/token-quota/:appid/reset`. */
export interface TokenQuotaResetResponse {
  app: AppTokenQuota;
}
