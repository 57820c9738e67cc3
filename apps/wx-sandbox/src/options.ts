import { readFileSync } from 'node:fs';
import { DEMO_APP, DEMO_MERCHANT, DEMO_MOBILE_APP, DEMO_OA_APP } from '@fen/demo';
import { DEMO_CERTS_DIR } from './certs.js';
import type { Clock } from './clock.js';
import { DEFAULT_DAILY_QUOTA, quotaLimitProblems } from './state/api-quota.js';
import type { QuotaApi } from './state/api-quota.js';
import { resolveShippingOptions } from './shipping/options.js';
import type { ResolvedShippingOptions, ShippingOptions } from './shipping/options.js';
import { merchantV3Problems } from './v3/merchant-credentials.js';

/** A merchant the sandbox plays WeChat Pay for. */
export interface SandboxMerchant {
  /** 商户号, digits. */
  mchId: string;
  /** The 32-character APIv2 key both sides sign with. */
  key: string;
  /** The appids bound to this mch_id (unifiedorder refuses any other: "appid和mch_id不匹配"). */
  appIds: string[];
  /** Where refund notifications go when a refund request has no notify_url (WeChat's platform setting). */
  refundNotifyUrl?: string;
  /**
   * Pay APIv3: the 32-byte APIv3 key (encrypts notification resources and the platform
   * certificates of `/v3/certificates`). With `merchantSerialNo` and `merchantPublicKey`, or none
   * of the three (then the merchant's v3 requests get 403 NO_AUTH).
   */
  apiV3Key?: string;
  /** Pay APIv3: the serial of the merchant API certificate (the `serial_no` of `Authorization`), hex. */
  merchantSerialNo?: string;
  /**
   * Pay APIv3: the merchant's public key or API certificate (PEM), to verify `Authorization`.
   * Default: the demo certificate (`certs/apiclient_cert.pem`) when `merchantSerialNo` is its serial.
   */
  merchantPublicKey?: string | Buffer;
}

/** A mini-program, official account or mobile app the sandbox plays WeChat's login APIs for. */
export interface SandboxApp {
  appId: string;
  /** AppSecret. */
  secret: string;
  /** Bound to an open-platform account: jscode2session / OAuth also return a unionid. */
  unionId?: boolean;
}

/** One line the sandbox logs; never carries a key, secret, token or session_key. */
export interface SandboxLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export type SandboxLogger = (entry: SandboxLogEntry) => void;

/** TLS material for the `/secapi/…` listener, PEM strings or buffers. */
export interface SandboxTls {
  /** The sandbox's server certificate and key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** The CA that signed the server certificate and that merchant client certificates must chain to. */
  ca: string | Buffer;
}

export interface SandboxOptions {
  /** Host to listen on; default `127.0.0.1`. */
  host?: string;
  /** Plain HTTP port; default 0 (any free port). */
  port?: number;
  /** TLS port (mutual TLS for `/secapi/…`); default 0. */
  tlsPort?: number;
  /**
   * Multiplies every WeChat delay (notification retries, refund processing): 1 is real time,
   * 0.001 turns 15 s into 15 ms. Validity windows (codes, tokens, prepay_id, time_expire) follow
   * the sandbox clock instead, moved with `advanceClock`.
   */
  timeScale?: number;
  merchants?: SandboxMerchant[];
  apps?: SandboxApp[];
  /** The time source; default the system clock. `advanceClock` adds an offset on top. */
  clock?: Clock;
  logger?: SandboxLogger;
  /** How long a notify_url may take to answer before the attempt counts as a timeout; default 5000 ms (not scaled). */
  notifyTimeoutMs?: number;
  /** Seconds (× timeScale) a refund stays PROCESSING before it succeeds; default 10. */
  refundDelaySeconds?: number;
  /** Largest request body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /** TLS material; default the demo certificates in `apps/wx-sandbox/certs/`. */
  tls?: SandboxTls;
  /** Hosts allowed in an `http://` notify_url besides loopback ones (real WeChat requires https). */
  httpNotifyHosts?: string[];
  /**
   * Public base URL of the sandbox used in `mweb_url` (the H5 pay page); default the HTTP
   * listener's URL.
   */
  publicUrl?: string;
  /**
   * Daily calls per app of `/cgi-bin/token` (`token`) and `/cgi-bin/ticket/getticket` (`ticket`)
   * before WeChat answers 45009; default 2000 each. The control API changes them at run time.
   */
  tokenQuotaPerDay?: Partial<Record<QuotaApi, number>>;
  /** The mini-program shipping-info service (发货信息管理): docs/sandbox.md §14. */
  shipping?: ShippingOptions;
  /**
   * Beijing hour of the next day from which a day's bills can be downloaded (before it: "Bill
   * Creating" / STATEMENT_CREATING); default 10, WeChat's "fetch after 10:00" (generation starts 09:00).
   */
  billReadyHour?: number;
}

/**
 * The demo merchant the sandbox knows by default, and the demo mini-program, official account and
 * mobile app bound to it: the same values as the server's `.env.example` (one home: `@fen/demo`).
 */
export { DEMO_APP, DEMO_MERCHANT, DEMO_MOBILE_APP, DEMO_OA_APP };

/** Options after defaults, checked once. */
export interface ResolvedOptions {
  host: string;
  port: number;
  tlsPort: number;
  timeScale: number;
  merchants: SandboxMerchant[];
  apps: SandboxApp[];
  notifyTimeoutMs: number;
  refundDelaySeconds: number;
  maxBodyBytes: number;
  httpNotifyHosts: string[];
  publicUrl?: string;
  tokenQuotaPerDay: Record<QuotaApi, number>;
  shipping: ResolvedShippingOptions;
  billReadyHour: number;
}

/** Applies the defaults and throws one error listing every problem. */
export function resolveOptions(options: SandboxOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    tlsPort: options.tlsPort ?? 0,
    timeScale: options.timeScale ?? 1,
    merchants: (options.merchants ?? [DEMO_MERCHANT as SandboxMerchant]).map((m) => ({
      mchId: m.mchId,
      key: m.key,
      appIds: [...m.appIds],
      ...(m.refundNotifyUrl ? { refundNotifyUrl: m.refundNotifyUrl } : {}),
      ...withV3Defaults(m),
    })),
    apps: (options.apps ?? [DEMO_APP, DEMO_OA_APP, DEMO_MOBILE_APP]).map((a) => ({ ...a })),
    notifyTimeoutMs: options.notifyTimeoutMs ?? 5000,
    refundDelaySeconds: options.refundDelaySeconds ?? 10,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    httpNotifyHosts: options.httpNotifyHosts ?? [],
    billReadyHour: options.billReadyHour ?? 10,
    ...(options.publicUrl ? { publicUrl: options.publicUrl.replace(/\/+$/, '') } : {}),
    tokenQuotaPerDay: { ...DEFAULT_DAILY_QUOTA, ...options.tokenQuotaPerDay },
    shipping: resolveShippingOptions(options.shipping),
  };
  const problems: string[] = quotaLimitProblems(options.tokenQuotaPerDay ?? {});
  const isPort = (p: number) => Number.isInteger(p) && p >= 0 && p <= 65535;
  if (!isPort(resolved.port)) problems.push('port must be an integer 0–65535');
  if (!isPort(resolved.tlsPort)) problems.push('tlsPort must be an integer 0–65535');
  if (!(Number.isFinite(resolved.timeScale) && resolved.timeScale >= 0)) {
    problems.push('timeScale must be a number ≥ 0');
  }
  if (!(Number.isFinite(resolved.notifyTimeoutMs) && resolved.notifyTimeoutMs > 0)) {
    problems.push('notifyTimeoutMs must be > 0');
  }
  if (!(Number.isFinite(resolved.refundDelaySeconds) && resolved.refundDelaySeconds >= 0)) {
    problems.push('refundDelaySeconds must be ≥ 0');
  }
  if (!(Number.isInteger(resolved.maxBodyBytes) && resolved.maxBodyBytes > 0)) {
    problems.push('maxBodyBytes must be a positive integer');
  }
  if (!(
    Number.isInteger(resolved.billReadyHour) &&
    resolved.billReadyHour >= 0 &&
    resolved.billReadyHour <= 23
  )) {
    problems.push('billReadyHour must be an integer 0–23');
  }
  const appIds = new Set<string>();
  for (const app of resolved.apps) {
    if (!/^wx[0-9a-zA-Z]{16}$/.test(app.appId))
      problems.push(`app ${app.appId}: appid must be wx + 16 characters`);
    if (!app.secret) problems.push(`app ${app.appId}: secret is required`);
    if (appIds.has(app.appId)) problems.push(`app ${app.appId} is listed twice`);
    appIds.add(app.appId);
  }
  const mchIds = new Set<string>();
  for (const m of resolved.merchants) {
    if (!/^\d{8,12}$/.test(m.mchId))
      problems.push(`merchant ${m.mchId}: mch_id must be 8–12 digits`);
    if (!/^[0-9A-Za-z]{32}$/.test(m.key))
      problems.push(`merchant ${m.mchId}: key must be 32 letters or digits`);
    if (mchIds.has(m.mchId)) problems.push(`merchant ${m.mchId} is listed twice`);
    mchIds.add(m.mchId);
    for (const appId of m.appIds) {
      if (!/^wx[0-9a-zA-Z]{16}$/.test(appId))
        problems.push(`merchant ${m.mchId}: appid ${appId} is malformed`);
    }
    problems.push(...merchantV3Problems(m));
  }
  if (problems.length > 0) throw new Error(`invalid sandbox options: ${problems.join('; ')}`);
  return resolved;
}

/**
 * A merchant's APIv3 settings as given, plus the demo certificate as its public key when its
 * serial is the demo certificate's (so `{...DEMO_MERCHANT, …}` keeps APIv3 working).
 */
function withV3Defaults(
  m: SandboxMerchant,
): Pick<SandboxMerchant, 'apiV3Key' | 'merchantSerialNo' | 'merchantPublicKey'> {
  const out: Pick<SandboxMerchant, 'apiV3Key' | 'merchantSerialNo' | 'merchantPublicKey'> = {};
  if (m.apiV3Key !== undefined) out.apiV3Key = m.apiV3Key;
  if (m.merchantSerialNo !== undefined) out.merchantSerialNo = m.merchantSerialNo;
  if (m.merchantPublicKey !== undefined) out.merchantPublicKey = m.merchantPublicKey;
  else if (
    typeof m.merchantSerialNo === 'string' &&
    m.merchantSerialNo.toUpperCase() === DEMO_MERCHANT.merchantSerialNo
  ) {
    out.merchantPublicKey = readFileSync(new URL('apiclient_cert.pem', DEMO_CERTS_DIR), 'utf8');
  }
  return out;
}
