// APIv3 (docs/protocol.md §5–6): JSON, SHA256withRSA signatures, AEAD_AES_256_GCM resources.
export * from './aead.js';
export * from './api-error.js';
export * from './client.js';
export type { V3PayClientOptions } from './client-options.js';
export { DEFAULT_V3_BASE_URL } from './client-options.js';
export * from './headers.js';
export * from './key-sources.js';
export * from './keys.js';
export * from './notification.js';
export * from './pay-sign.js';
export * from './platform-certificates.js';
export * from './request-signature.js';
export * from './rsa.js';
export * from './signature-headers.js';
export type * from './types.js';
export * from './verifier.js';
