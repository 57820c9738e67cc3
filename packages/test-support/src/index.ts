// Test helpers shared by every package's tests, imported by name (`@fen/test-support`); vitest
// runs these .ts files as they are, nothing is built. The root package depends on this one, so
// tests anywhere in the repository resolve it without a dependency cycle (it uses the server).
export { dropDatabase, mongoServerUri, redisUrl, uniqueDatabaseUri } from './database.js';
export { eventually } from './eventually.js';
export { DEMO, startFenServer } from './fen-server.js';
export type { FenServer, FenServerOptions, SandboxUnderTest } from './fen-server.js';
export { callJson } from './http-json.js';
export { LogCapture } from './log-capture.js';
export { startWebhookReceiver } from './webhook-receiver.js';
export type { ReceivedWebhook, WebhookAnswer, WebhookReceiver } from './webhook-receiver.js';
