import {
  MemoryTokenCache,
  createV3PayClient,
  isV3ApiError,
  isWxPayError,
  loadPrivateKey,
} from '@fen/wxpay';
import type { V3PayClient } from '@fen/wxpay';
import type { Config } from '../config.js';
import type { PayV3Config } from '../config-v3.js';
import { fail, messageOf, ok, skip } from './check.js';
import type { CheckResult } from './check.js';
import { madeUpNumber } from './made-up-numbers.js';

export const V3_ACCOUNT_CHECK = 'mch_id (APIv3)';
export const V3_SIGNING_CHECK = 'merchant certificate (APIv3 signing)';

const CONSOLE = 'pay.weixin.qq.com → 账户中心 → API安全';

/**
 * APIv3's three questions, from two read-only calls: a query of an out_trade_no nobody made must
 * come back 404 ORDER_NOT_EXIST, signed by WeChat (mch_id, and the request signature made with the
 * merchant certificate's key and serial); and the platform keys — a fresh `/v3/certificates`
 * download (decrypted with the APIv3 key, verified with what it delivers), or, in public-key mode,
 * the query's reply verified with the configured public key.
 */
export async function checkV3(
  config: Config,
  v3: PayV3Config,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const client = v3Client(config, v3, timeoutMs);
  try {
    const query = await queryMadeUp(client);
    const keys = v3.platformPublicKey ? query : await download(client);
    return [accountLine(query, config), signingLine(query, v3), keysLine(keys, query, v3)];
  } finally {
    await client.close();
  }
}

/** A client as the server builds it, except that its certificate cache is new: it must download. */
function v3Client(config: Config, v3: PayV3Config, timeoutMs: number): V3PayClient {
  return createV3PayClient({
    mchId: config.pay.mchId,
    appId: config.wx.appId,
    privateKey: loadPrivateKey(v3.privateKeyPem, 'merchant private key'),
    merchantSerialNo: v3.serialNo,
    apiV3Key: v3.apiV3Key,
    baseUrl: v3.apiBase,
    timeoutMs,
    ...(v3.platformPublicKey
      ? { wechatPayPublicKey: { id: v3.platformPublicKey.id, key: v3.platformPublicKey.pem } }
      : { platformCertificateCache: new MemoryTokenCache() }),
    ...(config.pay.ca ? { ca: config.pay.ca } : {}),
  });
}

type Outcome = { ok: true; detail: string } | { ok: false; err: unknown };

async function queryMadeUp(client: V3PayClient): Promise<Outcome> {
  try {
    await client.queryByOutTradeNo(madeUpNumber());
    return {
      ok: false,
      err: new Error(
        'a made-up out_trade_no was found: WXPAY_V3_API_BASE is not answering as WeChat does',
      ),
    };
  } catch (err) {
    if (isV3ApiError(err, 'ORDER_NOT_EXIST') && err.signatureVerified) {
      return {
        ok: true,
        detail: 'a query of a made-up out_trade_no came back ORDER_NOT_EXIST, signed by WeChat',
      };
    }
    return { ok: false, err };
  }
}

async function download(client: V3PayClient): Promise<Outcome> {
  try {
    const certificates = await client.platformCertificates();
    const list = certificates.map(
      (c) => `${c.serial} until ${new Date(c.validTo).toISOString().slice(0, 10)}`,
    );
    return {
      ok: true,
      detail: `${certificates.length} downloaded, decrypted and verified (${list.join(', ')})`,
    };
  } catch (err) {
    return { ok: false, err };
  }
}

const codeOf = (err: unknown) => (isWxPayError(err) ? err.code : undefined);
const wechatSaid = (err: unknown) =>
  isV3ApiError(err)
    ? `WeChat said HTTP ${err.status} ${err.code} "${err.wechatMessage}"`
    : messageOf(err);
/** A refusal of the request's signature: the merchant certificate's line names it. */
const isSignatureRefusal = (err: unknown) => isV3ApiError(err, 'SIGN_ERROR');
/** The reply did not verify: the platform keys' line names it. */
const isReplyVerification = (err: unknown) => isWxPayError(err) && err.kind === 'signature';
/** WeChat answered the signed download with 200, but what it delivered was not usable. */
const isCertificateContentProblem = (err: unknown) => /^V3_CERTIFICATE_/.test(codeOf(err) ?? '');
/** WeChat refused our timestamp, or we refused its: the clock line names the problem. */
const isClockProblem = (err: unknown) =>
  (isV3ApiError(err, 'SIGN_ERROR') && /timestamp|时间/.test(err.wechatMessage)) ||
  codeOf(err) === 'V3_TIMESTAMP_STALE';
const CLOCK_SKIP =
  'not checked: this machine and WeChat disagree on the time by 5 minutes or more (see the clock line)';

function accountLine(query: Outcome, config: Config): CheckResult {
  if (query.ok) return ok(V3_ACCOUNT_CHECK, `accepted: ${query.detail}`);
  const { err } = query;
  const mchId = config.pay.mchId;
  if (isV3ApiError(err, 'MCH_NOT_EXISTS')) {
    return fail(
      V3_ACCOUNT_CHECK,
      `mch_id ${mchId} is not a merchant WeChat knows (${wechatSaid(err)}): check WXPAY_MCHID`,
    );
  }
  if (isV3ApiError(err, 'NO_AUTH')) {
    return fail(
      V3_ACCOUNT_CHECK,
      `mch_id ${mchId} has not enabled APIv3 (${wechatSaid(err)}): set the APIv3 key at ${CONSOLE} → APIv3密钥`,
    );
  }
  if (isClockProblem(err)) return skip(V3_ACCOUNT_CHECK, CLOCK_SKIP);
  if (isCertificateContentProblem(err)) {
    return ok(
      V3_ACCOUNT_CHECK,
      `mch_id ${mchId} known to WeChat: it answered the signed certificate download`,
    );
  }
  if (isReplyVerification(err))
    return skip(
      V3_ACCOUNT_CHECK,
      "not checked: WeChat's reply did not verify (see the lines below)",
    );
  if (isSignatureRefusal(err)) {
    return ok(
      V3_ACCOUNT_CHECK,
      `mch_id ${mchId} known to WeChat; the call itself failed: see the lines below`,
    );
  }
  return fail(
    V3_ACCOUNT_CHECK,
    isWxPayError(err) && err.kind === 'transport'
      ? `no answer from WXPAY_V3_API_BASE (${messageOf(err)})`
      : wechatSaid(err),
  );
}

function signingLine(query: Outcome, v3: PayV3Config): CheckResult {
  const err = query.ok ? undefined : query.err;
  if (err !== undefined && isClockProblem(err)) return skip(V3_SIGNING_CHECK, CLOCK_SKIP);
  if (err !== undefined && isSignatureRefusal(err)) {
    const serialProblem = /序列号|serial/i.test(isV3ApiError(err) ? err.wechatMessage : '');
    const why = serialProblem
      ? `WeChat does not know certificate serial ${v3.serialNo} for this merchant: the configured certificate is not its current API certificate`
      : `WeChat refused the request's signature: the private key is not the key of certificate ${v3.serialNo} WeChat holds`;
    return fail(
      V3_SIGNING_CHECK,
      `${why} (${wechatSaid(err)}): configure the API certificate downloaded at ${CONSOLE} → API证书 (and WXPAY_CERT_SERIAL_NO, if set, to its serial)`,
    );
  }
  if (err !== undefined && !isReplyVerification(err) && !isV3ApiError(err)) {
    return fail(V3_SIGNING_CHECK, `not checked: ${messageOf(err)}`);
  }
  return ok(V3_SIGNING_CHECK, `requests signed with serial ${v3.serialNo} are accepted`);
}

function keysLine(keys: Outcome, query: Outcome, v3: PayV3Config): CheckResult {
  const name = v3.platformPublicKey
    ? 'WeChat Pay public key (APIv3)'
    : 'platform certificates (APIv3)';
  if (keys.ok && query.ok)
    return ok(
      name,
      v3.platformPublicKey ? `${v3.platformPublicKey.id} verifies WeChat's replies` : keys.detail,
    );
  const err = keys.ok ? (query as { err: unknown }).err : keys.err;
  if (codeOf(err) === 'V3_CERTIFICATE_DECRYPT_FAILED') {
    return fail(
      name,
      `WXPAY_V3_KEY is wrong: the downloaded certificates do not decrypt with it; set it to the APIv3 key (32 bytes) at ${CONSOLE} → APIv3密钥`,
    );
  }
  if (isClockProblem(err)) return skip(name, CLOCK_SKIP);
  if (isReplyVerification(err)) {
    const fix = v3.platformPublicKey
      ? `WeChat's replies do not verify with WXPAY_PLATFORM_PUBLIC_KEY_PATH (${messageOf(err)}): download the WeChat Pay public key (微信支付公钥) and its ID again at ${CONSOLE}`
      : `WeChat's reply does not verify with its platform certificates (${messageOf(err)}): check WXPAY_V3_API_BASE`;
    return fail(name, fix);
  }
  if (isSignatureRefusal(err))
    return skip(
      name,
      'not checked: WeChat refused the request (see the merchant certificate line)',
    );
  return fail(name, `not checked: ${isV3ApiError(err) ? wechatSaid(err) : messageOf(err)}`);
}
