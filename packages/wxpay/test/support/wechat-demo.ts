/** The demo merchant of the Fen sandbox (see the project brief); test-only values. */
export const DEMO = {
  appId: 'wxfe00000000000001',
  secret: '5f2d7a9c1b3e4f60718293a4b5c6d7e8',
  mchId: '1900000109',
  key: 'fensandboxapikey0123456789abcdef',
} as const;
