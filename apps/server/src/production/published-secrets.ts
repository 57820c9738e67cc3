import { createHash } from 'node:crypto';

/**
 * Every secret Fen itself publishes: `apps/server/.env.example`, `@fen/demo` and the sandbox's demo
 * merchant and apps (docs/sandbox.md). Anyone can sign with them, so production refuses them.
 * Kept here rather than read from `@fen/demo` (a dev-only package); a test
 * (test/production/published-secrets.test.ts) proves every value those sources publish is listed.
 */
export const PUBLISHED_SECRETS: readonly string[] = Object.freeze([
  // @fen/demo DEMO_MERCHANT: the APIv2 key and the APIv3 key.
  'fensandboxapikey0123456789abcdef',
  'fensandboxapiv3key0123456789abcd',
  // @fen/demo DEMO_APP, DEMO_OA_APP, DEMO_MOBILE_APP: their AppSecrets.
  '5f2d7a9c1b3e4f60718293a4b5c6d7e8',
  '6a3e8b0d2c4f5a71829304b5c6d7e8f9',
  '7b4f9c1e3d5a6b82930415c6d7e8f9a0',
  // @fen/demo DEMO_SERVER_SECRETS: the session secret and the admin token.
  'fen-demo-session-secret-change-me-0123456789',
  'fen-demo-admin-token-change-me',
]);

/**
 * SHA-256 (hex) of the public keys whose private keys are in `apps/wx-sandbox/certs/`: a
 * merchant certificate carrying one of them can be used by anyone who cloned the repository.
 */
export const PUBLISHED_PUBLIC_KEY_HASHES: readonly string[] = Object.freeze([
  '4ef0899917f3f6cc54efd5144a0ee6a7dce1df6032ddb49809de820a2161cee5', // apiclient_key.pem
  '1c21c7341eb9260bd7c4af9b502a04240468c38a0e21e160b2de25d1cb426ecf', // ca.key
  '4f520fb5a5f447fe91fc7f62f3d7cf75eb864ccd68f473aef7f02b08046b5ff4', // other_key.pem
  '48c23d51c78b1d1a4ddfa8770ccfd3a954af95d981b94e395485c21424677aa9', // rogue_key.pem
  'ca75bb1e80966829602f4f68893454a1c1ab96c1e1589d7aa2f2393656bcfd3c', // sandbox-tls.key
  'c2494cf94050839855e0bef2056de9677fb7c1dda7daad7a52779b8052f732d0', // wechatpay_platform_key.pem
  '3c23600f47a28d19e0f9c5ac66c147f017a0b3fee1d1cc31fef1779a681c047c', // wechatpay_pub_key_private.pem
]);

/** Case does not make a published value secret again (hex keys are often retyped in upper case). */
const published = new Set(PUBLISHED_SECRETS.map((value) => value.toLowerCase()));
const publishedHashes = new Set(
  PUBLISHED_SECRETS.map((value) => createHash('sha256').update(value).digest('hex')),
);

export function isPublishedSecret(value: string): boolean {
  return published.has(value.trim().toLowerCase());
}

/** For `ADMIN_TOKENS`, which holds SHA-256 hashes (hex) of the tokens, not the tokens. */
export function isHashOfPublishedSecret(sha256Hex: string): boolean {
  return publishedHashes.has(sha256Hex.trim().toLowerCase());
}
