import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ApiClientModule from '../../miniprogram/services/api-client';
import type * as ConfigModule from '../../miniprogram/config';
import type * as ErrorsModule from '../../miniprogram/utils/errors';
import type * as FormatModule from '../../miniprogram/utils/format';
import type * as PaymentFlowModule from '../../miniprogram/services/payment-flow';
import type * as PaymentStateModule from '../../miniprogram/services/payment-state';
import type * as PlatformModule from '../../miniprogram/services/platform';
import type * as RuntimeModule from '../../miniprogram/services/runtime';
import type * as SessionModule from '../../miniprogram/services/session';
import type * as OrderViewModule from '../../miniprogram/views/order-view';
import type * as PaymentViewModule from '../../miniprogram/views/payment-view';
import type * as FulfilmentViewModule from '../../miniprogram/views/fulfilment-view';
import type * as ReceiptViewModule from '../../miniprogram/views/receipt-view';
import type * as ReceiptConfirmationModule from '../../miniprogram/services/receipt-confirmation';
import type * as ReceiptReturnModule from '../../miniprogram/services/receipt-return';
import type * as ClipboardModule from '../../miniprogram/utils/clipboard';

/**
 * The tests run the app as DevTools does: the CommonJS that tsc compiled next to each .ts
 * (`pnpm build`), loaded with Node's own `require` — the same files DevTools opens.
 */
// (Paths, not `new URL(…)`: under jsdom, URL is jsdom's and node:url refuses it.)
export const MINIPROGRAM_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../miniprogram');

const requireApp = createRequire(join(MINIPROGRAM_ROOT, 'app.js'));

/** The compiled module at `path` (relative to miniprogram/, no extension). */
export function appModule<T>(path: string): T {
  return requireApp(join(MINIPROGRAM_ROOT, path)) as T;
}

/** The app's modules, typed from their sources. */
export const app = {
  config: () => appModule<typeof ConfigModule>('config'),
  format: () => appModule<typeof FormatModule>('utils/format'),
  errors: () => appModule<typeof ErrorsModule>('utils/errors'),
  session: () => appModule<typeof SessionModule>('services/session'),
  apiClient: () => appModule<typeof ApiClientModule>('services/api-client'),
  platform: () => appModule<typeof PlatformModule>('services/platform'),
  paymentState: () => appModule<typeof PaymentStateModule>('services/payment-state'),
  paymentFlow: () => appModule<typeof PaymentFlowModule>('services/payment-flow'),
  runtime: () => appModule<typeof RuntimeModule>('services/runtime'),
  orderView: () => appModule<typeof OrderViewModule>('views/order-view'),
  paymentView: () => appModule<typeof PaymentViewModule>('views/payment-view'),
  fulfilmentView: () => appModule<typeof FulfilmentViewModule>('views/fulfilment-view'),
  receiptView: () => appModule<typeof ReceiptViewModule>('views/receipt-view'),
  receiptConfirmation: () =>
    appModule<typeof ReceiptConfirmationModule>('services/receipt-confirmation'),
  receiptReturn: () => appModule<typeof ReceiptReturnModule>('services/receipt-return'),
  clipboard: () => appModule<typeof ClipboardModule>('utils/clipboard'),
};

export type AppConfig = ConfigModule.AppConfig;
export type Runtime = RuntimeModule.Runtime;

/** A config for tests: the given server and sandbox, quick confirmation polling. */
export function testConfig(
  urls: { apiBaseUrl: string; sandboxUrl: string },
  overrides: Partial<AppConfig> = {},
): AppConfig {
  return {
    ...app.config().config,
    apiBaseUrl: urls.apiBaseUrl,
    sandbox: { ...app.config().config.sandbox, url: urls.sandboxUrl },
    requestTimeoutMs: 5000,
    payment: { pollIntervalMs: 20, confirmTimeoutMs: 2000 },
    ...overrides,
  };
}

/** Points the app's runtime at `config` (as app.ts would at launch) and returns it. */
export function useRuntime(config: AppConfig): Runtime {
  const { createRuntime, setRuntime } = app.runtime();
  const runtime = createRuntime(config);
  setRuntime(runtime);
  return runtime;
}

/** What app.js registered with `App`: its lifetimes, for the test to call as WeChat would. */
export interface LaunchedApp {
  onLaunch?: () => void;
  /** WeChat calls it at every return to the app, with how it came back (`referrerInfo`). */
  onShow?: (options: { referrerInfo?: { appId?: string; extraData?: unknown } }) => void;
}

/**
 * Launches the app as WeChat does: runs app.js (which registers itself with `App`), then its
 * onLaunch. Set the runtime first (useRuntime) to point it at a test server.
 */
export function launchApp(): LaunchedApp {
  const scope = globalThis as { App?: unknown };
  const previous = scope.App;
  let registered: LaunchedApp | undefined;
  scope.App = (options: LaunchedApp) => {
    registered = options;
  };
  const path = requireApp.resolve(join(MINIPROGRAM_ROOT, 'app'));
  delete requireApp.cache[path];
  try {
    requireApp(path);
  } finally {
    scope.App = previous;
  }
  if (!registered) throw new Error('app.js did not call App()');
  registered.onLaunch?.();
  return registered;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield path;
  }
}

/**
 * Fails with a clear message when a source is newer than its compiled JavaScript (the tests
 * would run old code): run `pnpm build`.
 */
export function assertCompiled(): void {
  const stale: string[] = [];
  for (const source of sourceFiles(MINIPROGRAM_ROOT)) {
    const compiled = source.replace(/\.ts$/, '.js');
    let compiledAt = 0;
    try {
      compiledAt = statSync(compiled).mtimeMs;
    } catch {
      // missing
    }
    if (compiledAt < statSync(source).mtimeMs) stale.push(relative(MINIPROGRAM_ROOT, source));
  }
  if (stale.length > 0) {
    throw new Error(
      `the mini-program's compiled JS is missing or older than ${stale.join(', ')}: run \`pnpm build\``,
    );
  }
}

export { sourceFiles };
