import { config as defaultConfig } from '../config';
import type { AppConfig } from '../config';
import { createApiClient } from './api-client';
import type { ShopApi } from './api-client';
import { PaymentFlow } from './payment-flow';
import type { PaymentState } from './payment-state';
import { createPlatform } from './platform';
import type { Platform, ReceiptResult } from './platform';
import { ReceiptConfirmation } from './receipt-confirmation';
import { takeReceiptReturn } from './receipt-return';
import { Session } from './session';

/** Everything the pages use, wired once from the config. */
export interface Runtime {
  readonly config: AppConfig;
  readonly platform: Platform;
  readonly session: Session;
  readonly api: ShopApi;
  /** A new purchase, reporting each state to `onChange`. */
  createPaymentFlow(onChange: (state: PaymentState) => void): PaymentFlow;
  /** Confirm-receipt rounds for one order page, each reported once to `onReturn`. */
  createReceiptConfirmation(onReturn: (result: ReceiptResult) => void): ReceiptConfirmation;
}

/** Wires the services for `config`. */
export function createRuntime(config: AppConfig): Runtime {
  const platform = createPlatform(config);
  const session = new Session({
    apiBaseUrl: config.apiBaseUrl,
    platform,
    timeoutMs: config.requestTimeoutMs,
  });
  const api = createApiClient({
    baseUrl: config.apiBaseUrl,
    session,
    timeoutMs: config.requestTimeoutMs,
  });
  return {
    config,
    platform,
    session,
    api,
    createPaymentFlow: (onChange) =>
      new PaymentFlow(
        {
          api,
          platform,
          pollIntervalMs: config.payment.pollIntervalMs,
          confirmTimeoutMs: config.payment.confirmTimeoutMs,
        },
        onChange,
      ),
    createReceiptConfirmation: (onReturn) =>
      new ReceiptConfirmation({ platform, takeReturn: takeReceiptReturn }, onReturn),
  };
}

let current: Runtime | undefined;

/** The app's runtime (from config.ts unless one was set). */
export function runtime(): Runtime {
  if (!current) current = createRuntime(defaultConfig);
  return current;
}

/** Replaces the runtime (tests point the app at their own server); `undefined` resets it. */
export function setRuntime(next: Runtime | undefined): void {
  current = next;
}
