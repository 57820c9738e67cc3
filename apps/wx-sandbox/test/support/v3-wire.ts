import {
  X509Certificate,
  createDecipheriv,
  createPrivateKey,
  createSign,
  createVerify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DEMO_MERCHANT } from '@fen/demo';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createSandbox } from '../../src/index.js';
import type { Sandbox, SandboxOptions } from '../../src/index.js';
import { cert, send } from './http.js';

/**
 * APIv3 on the wire, written for the tests from docs/protocol.md §6 with node:crypto only —
 * independent of @fen/wxpay, which the sandbox uses — and pinned by fixed known answers in
 * v3-known-answers.test.ts (openssl / python-cryptography values), so one signing or
 * encryption bug cannot hide on both sides.
 */
export const DEMO_V3 = {
  mchId: DEMO_MERCHANT.mchId,
  appId: DEMO_MERCHANT.appId,
  apiV3Key: DEMO_MERCHANT.apiV3Key,
  /** `openssl x509 -in certs/apiclient_cert.pem -noout -serial` */
  serialNo: DEMO_MERCHANT.merchantSerialNo,
  /** `openssl x509 -in certs/wechatpay_platform_cert.pem -noout -serial` */
  platformSerial: '3E5F0B7C2A91D4E6F8A0B1C2D3E4F5061728394A',
  publicKeyId: 'PUB_KEY_ID_0119000001092026120100000000000001',
};

export const merchantKey = (): KeyObject => createPrivateKey(cert('apiclient_key.pem'));
/** The committed platform certificate's public key, read by the tests on their own. */
export const platformPublicKey = (): KeyObject =>
  new X509Certificate(cert('wechatpay_platform_cert.pem')).publicKey;

/** `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` [docs/protocol.md §6]. */
export const requestMessage = (
  method: string,
  url: string,
  timestamp: string,
  nonce: string,
  body: string,
) => `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;

export const rsaSha256 = (message: string | Buffer, key: KeyObject) =>
  createSign('RSA-SHA256').update(message).sign(key, 'base64');

export const rsaSha256Verify = (message: string | Buffer, signature: string, key: KeyObject) =>
  createVerify('RSA-SHA256').update(message).verify(key, Buffer.from(signature, 'base64'));

/** Whether the `Wechatpay-*` headers sign `body` with `key` [docs/protocol.md §6]. */
export function wechatpaySignatureOk(
  headers: IncomingHttpHeaders,
  body: Buffer | string,
  key: KeyObject,
): boolean {
  const ts = headers['wechatpay-timestamp'];
  const nonce = headers['wechatpay-nonce'];
  const signature = headers['wechatpay-signature'];
  if (typeof ts !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string')
    return false;
  const message = Buffer.concat([
    Buffer.from(`${ts}\n${nonce}\n`),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    Buffer.from('\n'),
  ]);
  return rsaSha256Verify(message, signature, key);
}

/** AEAD_AES_256_GCM: key = APIv3 key, iv = nonce, ciphertext = base64(ct ‖ 16-byte tag). */
export function decryptAesGcm(
  resource: { ciphertext: string; nonce: string; associated_data?: string },
  apiV3Key = DEMO_V3.apiV3Key,
): string {
  const data = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv(
    'aes-256-gcm',
    Buffer.from(apiV3Key),
    Buffer.from(resource.nonce),
  );
  decipher.setAAD(Buffer.from(resource.associated_data ?? ''));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([
    decipher.update(data.subarray(0, data.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}

export interface V3CallOptions {
  key?: KeyObject;
  mchid?: string;
  serial?: string;
  /** Seconds; default now (real clock). */
  timestamp?: number;
  nonce?: string;
  /** Send this Authorization instead of a computed one (`null`: none). */
  authorization?: string | null;
  /** Sign this body but send `body` (a tampered request). */
  signedBody?: string;
  /** Sign this URL but send `url` (a tampered query). */
  signedUrl?: string;
}

export interface V3Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** One signed APIv3 request, made by hand: the test's own signer. */
export async function v3Call(
  baseUrl: string,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  options: V3CallOptions = {},
): Promise<V3Reply> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? `n${Math.random().toString(36).slice(2, 14)}`;
  const signature = rsaSha256(
    requestMessage(method, options.signedUrl ?? url, timestamp, nonce, options.signedBody ?? text),
    options.key ?? merchantKey(),
  );
  const authorization =
    options.authorization !== undefined
      ? options.authorization
      : `WECHATPAY2-SHA256-RSA2048 mchid="${options.mchid ?? DEMO_V3.mchId}",nonce_str="${nonce}",` +
        `signature="${signature}",timestamp="${timestamp}",serial_no="${options.serial ?? DEMO_V3.serialNo}"`;
  const res = await send(`${baseUrl}${url}`, {
    method,
    ...(body === undefined ? {} : { body: text }),
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(authorization === null ? {} : { authorization }),
    },
  });
  let json: unknown;
  try {
    json = res.text ? JSON.parse(res.text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body: res.body, text: res.text, json };
}

/** A merchant's v3 notify_url: records every POST (headers and exact body) and answers `respond`. */
export interface V3Receiver {
  url: string;
  hits: { at: number; headers: IncomingHttpHeaders; body: string }[];
  respond: (n: number) => { status: number; body?: string };
  close(): Promise<void>;
}

export async function startV3Receiver(): Promise<V3Receiver> {
  const receiver: V3Receiver = {
    url: '',
    hits: [],
    respond: () => ({ status: 204 }),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.hits.push({
        at: performance.now(),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = receiver.respond(receiver.hits.length);
      res.writeHead(answer.status, answer.body ? { 'content-type': 'application/json' } : {});
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/notify`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

let counter = 0;
/** A fresh v3 out_trade_no (6–32 characters). */
export const v3TradeNo = (prefix = 'V3T') =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`.slice(0, 32);

/** A valid JSAPI prepay body for `openid`. */
export function jsapiBody(openid: string, overrides: Record<string, unknown> = {}) {
  return {
    appid: DEMO_V3.appId,
    mchid: DEMO_V3.mchId,
    description: 'Fen 帆布包',
    out_trade_no: v3TradeNo(),
    notify_url: 'http://127.0.0.1:9/v3/notify',
    amount: { total: 1990, currency: 'CNY' },
    payer: { openid },
    ...overrides,
  };
}

/**
 * GET and POST through `v3Call`, signed at the sandbox's own time (some tests move its clock).
 * `sandbox` is a getter: the suite's sandbox starts in `beforeAll`.
 */
export function sandboxV3Calls(sandbox: () => Sandbox) {
  const at = () => ({ timestamp: Math.floor(sandbox().now().getTime() / 1000) });
  return {
    post: (path: string, body: unknown, options: V3CallOptions = {}) =>
      v3Call(sandbox().url, 'POST', path, body, { ...at(), ...options }),
    get: (path: string, options: V3CallOptions = {}) =>
      v3Call(sandbox().url, 'GET', path, undefined, { ...at(), ...options }),
  };
}

/** Places a v3 JSAPI order for `openid` (`overrides` on `jsapiBody`) and pays it as the payer. */
export async function paidV3Order(
  sandbox: Sandbox,
  openid: string,
  overrides: Record<string, unknown> = {},
): Promise<{ outTradeNo: string; transactionId: string }> {
  const body = jsapiBody(openid, overrides);
  const { json } = await sandboxV3Calls(() => sandbox).post('/v3/pay/transactions/jsapi', body);
  const paid = sandbox.pay(json.prepay_id, 'success');
  return { outTradeNo: body.out_trade_no, transactionId: paid.transaction_id! };
}

/** What a v3 test file works against: its sandbox, a merchant notify_url, a logged-in user. */
export interface V3Suite {
  sandbox: Sandbox;
  receiver: V3Receiver;
  /** The openid of the suite's user in the demo mini-program. */
  openid: string;
}

/**
 * Starts a sandbox (`options`) and a v3 receiver before the file's tests, logs `user` in, and
 * stops both after them. The fields are set once `beforeAll` has run.
 */
export function v3Suite(options: SandboxOptions, user: string): V3Suite {
  const suite = {} as V3Suite;
  beforeAll(async () => {
    suite.sandbox = await createSandbox(options);
    suite.receiver = await startV3Receiver();
    suite.openid = suite.sandbox.loginCode(user).openid;
  });
  afterAll(async () => {
    await suite.sandbox?.close();
    await suite.receiver?.close();
  });
  return suite;
}
