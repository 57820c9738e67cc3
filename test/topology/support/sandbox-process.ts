import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NotificationRecord, Sandbox, SandboxApp, SandboxMerchant } from '@fen/wx-sandbox';
import { spawnOwned, waitUntil } from '@fen/scripts/children.mjs';
import { freePort } from '@fen/scripts/free-port.mjs';
import { tcpCheck } from '@fen/scripts/tcp.mjs';
import { httpsClient } from './https-client.js';
import type { TestCa } from './test-ca.js';

const MAIN = join(import.meta.dirname, 'sandbox-main.mjs');

export interface SandboxProcessOptions {
  dir: string;
  ca: TestCa;
  /** The WeChat host names it answers to (its certificate's names). */
  hostNames: string[];
  merchants: SandboxMerchant[];
  apps: SandboxApp[];
  /** The environment every process of the run gets (the DNS preload, the CA). */
  processEnv: Record<string, string>;
  timeScale: number;
}

type SandboxOrder = ReturnType<Sandbox['orders']>[number];

/**
 * The sandbox as WeChat: its own process, reached only over HTTPS at WeChat's (made-up) host
 * names. The control API (the payer, the delivery log) is read over the same HTTPS port.
 */
export async function startSandboxProcess(options: SandboxProcessOptions) {
  const tls = options.ca.server('sandbox', options.hostNames);
  const configFile = join(options.dir, 'sandbox-config.json');
  writeFileSync(configFile, JSON.stringify({ merchants: options.merchants, apps: options.apps }));
  const [port, tlsPort] = [await freePort(), await freePort()];
  const child = spawnOwned(process.execPath, [MAIN], {
    env: {
      ...options.processEnv,
      FEN_TOPOLOGY_SANDBOX: JSON.stringify({
        configFile,
        port,
        tlsPort,
        timeScale: options.timeScale,
        tls: { cert: tls.certPath, key: tls.keyPath, ca: options.ca.caPath },
      }),
    },
  });
  await waitUntil(() => tcpCheck('127.0.0.1', tlsPort), {
    what: 'the sandbox',
    timeoutMs: 20_000,
    failed: () => (child.exited() ? `it exited:\n${child.output()}` : undefined),
  });
  const controlHost = options.hostNames[0];
  const control = httpsClient(options.ca.ca);
  const controlUrl = (path: string) => `https://${controlHost}:${tlsPort}/__sandbox${path}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const reply = await control.send(method, controlUrl(path), body === undefined ? {} : { body });
    if (reply.status !== 200) {
      throw new Error(`sandbox ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    return reply.body;
  };
  return {
    /** `https://<name>:<tls port>`: a WeChat base URL. */
    base: (hostName: string) => `https://${hostName}:${tlsPort}`,
    output: () => child.output(),
    async loginCode(appid: string, user: string): Promise<string> {
      return ((await call('POST', '/login-code', { appid, user })) as { code: string }).code;
    },
    /** The payer pays on WeChat's cashier. */
    async pay(prepayId: string): Promise<{ trade_state: string; transaction_id?: string }> {
      return (await call('POST', '/pay', { prepay_id: prepayId })) as { trade_state: string };
    },
    /** WeChat's view, in the shapes `Sandbox.orders()` / `notifications()` give in process. */
    async snapshot(): Promise<Pick<Sandbox, 'orders' | 'notifications'>> {
      const [{ orders }, { notifications }] = (await Promise.all([
        call('GET', '/orders?limit=1000'),
        call('GET', '/notifications?kind=payment'),
      ])) as [{ orders: SandboxOrder[] }, { notifications: NotificationRecord[] }];
      return { orders: () => orders, notifications: () => notifications };
    },
    async stop(): Promise<void> {
      control.close();
      await child.stop();
    },
  };
}

export type SandboxProcess = Awaited<ReturnType<typeof startSandboxProcess>>;
