import type { KeyObject } from 'node:crypto';
import { isWxPayError } from '../errors.js';
import type { CaCertificates } from '../http.js';
import type { TokenCache } from '../token-cache.js';
import { isHttpUrl } from '../url.js';
import { requireApiV3Key } from './aead.js';
import { publicKeySource } from './key-sources.js';
import { loadPrivateKey } from './keys.js';
import type { KeyInput } from './keys.js';
import { Problems } from './validate.js';
import type { V3KeySource } from './verifier.js';

export interface V3PayClientOptions {
  /** Merchant number (digits). */
  mchId: string;
  /** The appid transactions use unless a request names its own (`wx` + 16 characters). */
  appId?: string;
  /** The merchant API private key (`apiclient_key.pem`). */
  privateKey: KeyInput;
  /** The serial of the merchant API certificate (`apiclient_cert.pem`), hex. */
  merchantSerialNo: string;
  /** The 32-byte APIv3 key: decrypts notifications and downloaded platform certificates. */
  apiV3Key: string | Buffer;
  /**
   * WeChat Pay public key mode: the `PUB_KEY_ID_…` and the key (`pub_key.pem`). Alone, replies
   * are verified with it only; with `platformCertificateCache` too, it is tried first.
   */
  wechatPayPublicKey?: { id: string; key: KeyInput };
  /**
   * Platform certificate mode: where downloaded certificates are shared (a `RedisTokenCache`
   * for several instances). Default, without `wechatPayPublicKey`: an in-process cache.
   */
  platformCertificateCache?: TokenCache;
  /** Default `https://api.mch.weixin.qq.com`; the sandbox's URL locally. */
  baseUrl?: string;
  /** Extra trusted CAs (the sandbox's). */
  ca?: CaCertificates;
  /** Bounds each call (ms). Default 10 000. */
  timeoutMs?: number;
  /** Default 1 MiB. */
  maxReplyBytes?: number;
  /** Default 64 MiB. */
  maxBillBytes?: number;
  /** Default 300: replies signed this many seconds from the local clock or more are refused. */
  maxSkewSeconds?: number;
  /** The clock (epoch ms), injectable for tests. */
  now?: () => number;
}

export interface V3Settings {
  mchId: string;
  appId?: string;
  privateKey: KeyObject;
  merchantSerialNo: string;
  apiV3Key: Buffer;
  baseUrl: string;
  timeoutMs: number;
  maxReplyBytes: number;
  maxBillBytes: number;
  /** The public-key source, when `wechatPayPublicKey` was given. */
  publicKeySource?: V3KeySource;
}

export const DEFAULT_V3_BASE_URL = 'https://api.mch.weixin.qq.com';

/**
 * Checks every option before a client exists and throws one `config` `INVALID_OPTIONS` error
 * listing every problem (never a key's value).
 */
export function validateV3Options(options: V3PayClientOptions): V3Settings {
  const problems = new Problems();
  if (typeof options.mchId !== 'string' || !/^\d{1,32}$/.test(options.mchId)) {
    problems.add('mchId must be digits');
  }
  if (options.appId !== undefined && !/^wx[0-9A-Za-z]{16}$/.test(String(options.appId))) {
    problems.add('appId must be "wx" + 16 letters or digits');
  }
  if (
    typeof options.merchantSerialNo !== 'string' ||
    !/^[0-9A-Fa-f]{1,64}$/.test(options.merchantSerialNo)
  ) {
    problems.add('merchantSerialNo must be the hex serial of apiclient_cert.pem');
  }
  const privateKey = collect(problems, () => loadPrivateKey(options.privateKey, 'privateKey'));
  const apiV3Key = collect(problems, () => requireApiV3Key(options.apiV3Key, 'apiV3Key'));
  const pubKey = options.wechatPayPublicKey;
  const pubKeySource =
    pubKey === undefined
      ? undefined
      : collect(problems, () => publicKeySource({ publicKeyId: pubKey.id, publicKey: pubKey.key }));
  if (options.baseUrl !== undefined && !isHttpUrl(options.baseUrl)) {
    problems.add('baseUrl must be an http(s) URL');
  }
  for (const name of ['timeoutMs', 'maxReplyBytes', 'maxBillBytes', 'maxSkewSeconds'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      problems.add(`${name} must be a positive integer`);
    }
  }
  problems.throwIfAny('createV3PayClient', 'INVALID_OPTIONS');
  return {
    mchId: options.mchId,
    ...(options.appId === undefined ? {} : { appId: options.appId }),
    privateKey: privateKey as KeyObject,
    merchantSerialNo: options.merchantSerialNo.toUpperCase(),
    apiV3Key: apiV3Key as Buffer,
    baseUrl: options.baseUrl ?? DEFAULT_V3_BASE_URL,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxReplyBytes: options.maxReplyBytes ?? 1024 * 1024,
    maxBillBytes: options.maxBillBytes ?? 64 * 1024 * 1024,
    ...(pubKeySource === undefined ? {} : { publicKeySource: pubKeySource }),
  };
}

/** Runs a loader, turning its `config` error into one more listed problem. */
function collect<T>(problems: Problems, load: () => T): T | undefined {
  try {
    return load();
  } catch (err) {
    if (!isWxPayError(err) || err.kind !== 'config') throw err;
    problems.add(err.message);
    return undefined;
  }
}
