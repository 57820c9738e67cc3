/** How the merchant's server receives message pushes (小程序消息推送) for one mini-program. */
export interface MessagePushConfig {
  /** The merchant's message URL (消息推送 URL). */
  url: string;
  /** The Token set in the mini-program console: signs every push. */
  token: string;
  /** `plain` (明文模式, default) or `safe` (安全模式: AES-encrypted body, `msg_signature`). */
  mode?: 'plain' | 'safe';
  /** EncodingAESKey, 43 characters; required in safe mode. */
  encodingAesKey?: string;
  /** Data format chosen in the console; default `json`. */
  format?: 'json' | 'xml';
}

/** The shipping-info service (发货信息管理) of the sandbox; every field optional. */
export interface ShippingOptions {
  /**
   * Seconds (sandbox clock) after payment before an order is known to the shipping APIs; before
   * that they answer `10060001`, as WeChat does for an upload fired from the pay notification.
   * Default 3.
   */
  ingestDelaySeconds?: number;
  /**
   * Days after shipping before receipt is confirmed automatically: express (logistics_type 1) and
   * the others. Default 10 and 2 (a community answer's figures, not verified).
   */
  autoConfirmDays?: { express?: number; other?: number };
  /** Seconds (sandbox clock) between receipt confirmation and settlement; default 0. */
  settlementDelaySeconds?: number;
  /** Mini-programs whose orders are NOT under trade management (`is_trade_managed` false). */
  unmanagedAppIds?: string[];
  /** Message push settings per appid (also settable with `POST /__sandbox/shipping/message-url`). */
  messagePush?: Record<string, MessagePushConfig>;
  /** Real milliseconds between two checks of the sandbox clock for due confirmations; default 500. */
  tickMs?: number;
}

export interface ResolvedShippingOptions {
  ingestDelaySeconds: number;
  autoConfirmDays: { express: number; other: number };
  settlementDelaySeconds: number;
  unmanagedAppIds: string[];
  messagePush: Record<string, MessagePushConfig>;
  tickMs: number;
}

const nonNegative = (n: number) => Number.isFinite(n) && n >= 0;

/** Problems of one message push setting (none: `[]`). */
export function messagePushProblems(config: MessagePushConfig): string[] {
  const problems: string[] = [];
  try {
    const url = new URL(config.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('url must be http(s)');
  } catch {
    problems.push('url must be an absolute http(s) URL');
  }
  // The console's rule for Token: 3–32 letters or digits.
  if (typeof config.token !== 'string' || !/^[A-Za-z0-9]{3,32}$/.test(config.token)) {
    problems.push('token must be 3–32 letters or digits');
  }
  if (config.mode !== undefined && config.mode !== 'plain' && config.mode !== 'safe') {
    problems.push('mode must be plain or safe');
  }
  if (config.format !== undefined && config.format !== 'json' && config.format !== 'xml') {
    problems.push('format must be json or xml');
  }
  if (config.encodingAesKey !== undefined && !/^[A-Za-z0-9]{43}$/.test(config.encodingAesKey)) {
    problems.push('encodingAesKey must be 43 letters or digits');
  }
  if (config.mode === 'safe' && config.encodingAesKey === undefined) {
    problems.push('safe mode needs encodingAesKey');
  }
  return problems;
}

/** Applies the defaults; throws one error listing every problem. */
export function resolveShippingOptions(options: ShippingOptions = {}): ResolvedShippingOptions {
  const resolved: ResolvedShippingOptions = {
    ingestDelaySeconds: options.ingestDelaySeconds ?? 3,
    autoConfirmDays: {
      express: options.autoConfirmDays?.express ?? 10,
      other: options.autoConfirmDays?.other ?? 2,
    },
    settlementDelaySeconds: options.settlementDelaySeconds ?? 0,
    unmanagedAppIds: [...(options.unmanagedAppIds ?? [])],
    messagePush: { ...options.messagePush },
    tickMs: options.tickMs ?? 500,
  };
  const problems: string[] = [];
  if (!nonNegative(resolved.ingestDelaySeconds)) problems.push('ingestDelaySeconds must be ≥ 0');
  if (
    !nonNegative(resolved.autoConfirmDays.express) ||
    !nonNegative(resolved.autoConfirmDays.other)
  )
    problems.push('autoConfirmDays must be ≥ 0');
  if (!nonNegative(resolved.settlementDelaySeconds))
    problems.push('settlementDelaySeconds must be ≥ 0');
  if (!(Number.isFinite(resolved.tickMs) && resolved.tickMs >= 10))
    problems.push('tickMs must be ≥ 10');
  for (const [appId, config] of Object.entries(resolved.messagePush)) {
    for (const problem of messagePushProblems(config))
      problems.push(`messagePush ${appId}: ${problem}`);
  }
  if (problems.length > 0) throw new Error(`invalid shipping options: ${problems.join('; ')}`);
  return resolved;
}
