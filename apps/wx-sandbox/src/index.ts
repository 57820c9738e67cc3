export { createSandbox } from './sandbox.js';
export type { Sandbox } from './sandbox.js';
export { DEMO_APP, DEMO_MERCHANT, DEMO_MOBILE_APP, DEMO_OA_APP } from './options.js';
export type {
  SandboxApp,
  SandboxLogEntry,
  SandboxLogger,
  SandboxMerchant,
  SandboxOptions,
  SandboxTls,
} from './options.js';
export type { Clock } from './clock.js';
export type { MessagePushConfig, ShippingOptions } from './shipping/options.js';
export type { BillRowsFault, Faults, NotificationMatch } from './faults.js';
export { NOTIFY_RETRY_INTERVALS_SECONDS } from './notify/notifier.js';
export type { AttemptResult, DeliveryAttempt, NotificationRecord } from './notify/notifier.js';
export { DEMO_CERTS_DIR } from './certs.js';
export { openIdFor } from './ids.js';
