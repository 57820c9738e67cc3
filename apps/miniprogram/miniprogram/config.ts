/**
 * Where the app talks to and how it pays: the one file to edit between local development and a
 * real deployment. The app holds no secret; everything here is public.
 */
export interface AppConfig {
  /**
   * `sandbox` (local development): login codes come from the Fen sandbox's control API and a
   * sandbox cashier stands in for WeChat's; DevTools cannot pay the local sandbox.
   * `wechat`: the real `wx.login` and `wx.requestPayment`.
   */
  mode: 'sandbox' | 'wechat';
  /** The Fen server (apps/server). */
  apiBaseUrl: string;
  /** Sandbox mode only: the sandbox's HTTP address, the appid it issues login codes for, and
   *  the test user this app logs in as (a stable name gives a stable openid). */
  sandbox: { url: string; appId: string; user: string };
  /** Milliseconds before a request to the server is given up. */
  requestTimeoutMs: number;
  /** After WeChat says "paid": ask the server every `pollIntervalMs` until it confirms, for at most
   *  `confirmTimeoutMs`, then show "still confirming". */
  payment: { pollIntervalMs: number; confirmTimeoutMs: number };
}

/** Local development against `pnpm start` (server :3000, sandbox :3100). */
export const config: AppConfig = {
  mode: 'sandbox',
  apiBaseUrl: 'http://127.0.0.1:3000',
  sandbox: { url: 'http://127.0.0.1:3100', appId: 'wxfe00000000000001', user: 'devtools-buyer' },
  requestTimeoutMs: 15000,
  payment: { pollIntervalMs: 1000, confirmTimeoutMs: 15000 },
};
