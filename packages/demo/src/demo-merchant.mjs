// The sandbox's demo merchant and the apps bound to it, in one place: the sandbox knows them by
// default, and the server is configured with them by `apps/server/.env.example`, `npm start`, the
// tests and the bench. Every value is public and protects nothing; never put a real key here.

/** @typedef {{ readonly appId: string, readonly secret: string }} DemoApp */

/** @type {(appId: string, secret: string) => DemoApp} */
const app = (appId, secret) => Object.freeze({ appId, secret });

/** The demo mini-program (its AppSecret is public: it protects nothing). */
export const DEMO_APP = app('wxfe00000000000001', '5f2d7a9c1b3e4f60718293a4b5c6d7e8');

/** The demo official account (JSAPI pay in its web pages, OAuth, JS-SDK); public values. */
export const DEMO_OA_APP = app('wxfe00000000000002', '6a3e8b0d2c4f5a71829304b5c6d7e8f9');

/** The demo mobile app (APP pay); public values. */
export const DEMO_MOBILE_APP = app('wxfe00000000000003', '7b4f9c1e3d5a6b82930415c6d7e8f9a0');

/**
 * @typedef {object} DemoMerchant
 * @property {string} mchId 商户号
 * @property {string} key the 32-character APIv2 key
 * @property {string} apiV3Key the APIv3 key (32 bytes)
 * @property {string} merchantSerialNo serial of `apps/wx-sandbox/certs/apiclient_cert.pem`, the
 *   demo merchant certificate
 * @property {string[]} appIds the appids bound to the merchant
 * @property {string} appId the demo mini-program, the app the server pays for
 * @property {string} appSecret its AppSecret
 */

/**
 * The demo merchant: `mchId` and its APIv2 `key`, its APIv3 key and certificate serial, the appids
 * bound to it. `appId`/`appSecret` name the demo mini-program, the app the server pays for.
 * @type {Readonly<DemoMerchant>}
 */
export const DEMO_MERCHANT = Object.freeze({
  mchId: '1900000109',
  key: 'fensandboxapikey0123456789abcdef',
  apiV3Key: 'fensandboxapiv3key0123456789abcd',
  merchantSerialNo: '02EAECE76B2FD4218AB868782C643982CDC3DC8A',
  appIds: /** @type {string[]} */ (
    Object.freeze([DEMO_APP.appId, DEMO_OA_APP.appId, DEMO_MOBILE_APP.appId])
  ),
  appId: DEMO_APP.appId,
  appSecret: DEMO_APP.secret,
});
