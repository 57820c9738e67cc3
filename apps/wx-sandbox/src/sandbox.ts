import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { demoTls } from './certs.js';
import { createCore } from './core.js';
import { parseFaults } from './faults.js';
import type { Faults } from './faults.js';
import type { NotificationRecord } from './notify/notifier.js';
import { resolveOptions } from './options.js';
import type { SandboxOptions } from './options.js';
import { payAsPayer } from './pay/payer.js';
import type { PayerOutcome } from './pay/payer.js';
import { orderView } from './routes/control.js';

/** A running sandbox. Everything here is also reachable over the control API. */
export interface Sandbox {
  /** `http://127.0.0.1:<port>`: WeChat's paths, the control API and the page. */
  url: string;
  /** `https://127.0.0.1:<tlsPort>`: the same, over TLS; `/secapi/…` works only here (mutual TLS). */
  tlsUrl: string;
  port: number;
  tlsPort: number;
  /** The sandbox CA (PEM): trust it to reach `tlsUrl`; it signed the demo merchant certificate. */
  caCert: string;
  /** What `wx.login()` gives test user `user` in `appId` (default the first app). */
  loginCode(user: string, appId?: string): { code: string; openid: string; expires_in: number };
  /** Acts as the payer on `prepayId` (see `POST /__sandbox/pay`). */
  pay(
    prepayId: string,
    outcome?: PayerOutcome,
  ): { trade_state: string; out_trade_no: string; transaction_id?: string };
  /** Orders as `GET /__sandbox/orders` shows them, newest first. */
  orders(): ReturnType<typeof orderView>[];
  /** Every notification and its delivery attempts (optionally of one out_trade_no). */
  notifications(outTradeNo?: string): NotificationRecord[];
  /** Replaces the fault set (throws on an invalid one). */
  setFaults(faults: Faults): void;
  clearFaults(): void;
  /** Moves the sandbox clock forward (codes, tokens, prepay_id and time_expire expire). */
  advanceClock(seconds: number): void;
  now(): Date;
  /** Stops both listeners, every pending notification and refund timer, and in-flight deliveries. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function shut(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Starts the WeChat sandbox: HTTP on `options.port ?? 0` and TLS (for `/secapi/…`) on
 * `options.tlsPort ?? 0`, both on 127.0.0.1 by default, with the demo merchant and app unless
 * others are given.
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveOptions(options);
  const tls = options.tls ?? demoTls();
  const core = createCore(resolved, options);
  const app = createApp(core);
  const http = createServer(app.callback());
  const https = createTlsServer(
    { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false },
    app.callback(),
  );
  const urlHost = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  let port: number;
  let tlsPort: number;
  try {
    port = await listen(http, resolved.port, resolved.host);
    tlsPort = await listen(https, resolved.tlsPort, resolved.host);
  } catch (err) {
    await Promise.all([shut(http), shut(https)]);
    throw err;
  }
  const url = `http://${urlHost}:${port}`;
  if (!resolved.publicUrl) core.publicUrl = url;
  core.logger({
    level: 'info',
    msg: 'sandbox listening',
    url,
    tlsUrl: `https://${urlHost}:${tlsPort}`,
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    tlsUrl: `https://${urlHost}:${tlsPort}`,
    port,
    tlsPort,
    caCert: tls.ca.toString(),
    loginCode: (user, appId = resolved.apps[0]?.appId ?? '') =>
      core.identities.issueLoginCode(appId, user),
    pay(prepayId, outcome = 'success') {
      const result = payAsPayer(core, prepayId, outcome);
      if ('code' in result) throw new Error(`${result.code}: ${result.message}`);
      return result;
    },
    orders: () => core.orders.all().map(orderView),
    notifications: (outTradeNo) => core.notifier.list(outTradeNo ? { outTradeNo } : {}),
    setFaults(faults) {
      const parsed = parseFaults(faults);
      if ('problems' in parsed) throw new Error(`invalid faults: ${parsed.problems.join('; ')}`);
      core.faults.set(parsed.faults);
    },
    clearFaults: () => core.faults.clear(),
    advanceClock: (seconds) => core.clock.advance(seconds),
    now: () => core.clock.now(),
    close() {
      closing ??= (async () => {
        core.timers.close();
        await Promise.all([shut(http), shut(https)]);
        core.logger({ level: 'info', msg: 'sandbox stopped' });
      })();
      return closing;
    },
  };
}
