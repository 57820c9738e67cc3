import { parseAuthorization, requestSignatureMessage, rsaVerify } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import type { SandboxMerchant } from '../options.js';
import type { MerchantV3Credentials } from './merchant-credentials.js';
import { normalizeSerialNo } from './merchant-credentials.js';
import { v3Error } from './reply.js';
import type { V3Error } from './reply.js';
import { v3State } from './state.js';

/** A request whose `Authorization` verified: who sent it. */
export interface V3Caller {
  merchant: SandboxMerchant;
  credentials: MerchantV3Credentials;
}

/** WeChat refuses a request signed this many seconds away from its clock, or more. */
export const MAX_REQUEST_SKEW_SECONDS = 300;

const signError = (message: string) => v3Error(401, 'SIGN_ERROR', message);

/**
 * Checks the merchant's `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
 * timestamp=…,serial_no=…,signature=…` [docs/protocol.md §6]: the header's shape, the
 * merchant (400 MCH_NOT_EXISTS; 403 NO_AUTH without APIv3), the certificate serial, the
 * timestamp (within 5 min of the sandbox clock) and the SHA256withRSA signature over
 * `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` with the URL and body exactly as received. Every
 * signature failure is 401 SIGN_ERROR; the signed message (no secret in it) is logged to help.
 */
export function authenticateV3(
  core: SandboxCore,
  request: { method: string; url: string; authorization: string | undefined; body: string },
): V3Caller | V3Error {
  if (!request.authorization) return signError('Http头缺少Authorization');
  const parts = parseAuthorization(request.authorization);
  if (parts === undefined)
    return signError('Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
  const merchant = core.merchants.get(parts.mchid);
  if (!merchant) return v3Error(400, 'MCH_NOT_EXISTS', '商户号不存在');
  const credentials = v3State(core).credentials.get(merchant.mchId);
  if (!credentials)
    return v3Error(403, 'NO_AUTH', '商户未开通APIv3（沙盒未配置该商户的APIv3密钥与证书）');
  if (normalizeSerialNo(parts.serial_no) !== credentials.serialNo) {
    return signError('商户证书序列号有误：serial_no不是该商户当前的API证书序列号');
  }
  const skew = Math.abs(Math.floor(core.clock.nowMs() / 1000) - Number(parts.timestamp));
  if (!/^\d{1,12}$/.test(parts.timestamp) || skew >= MAX_REQUEST_SKEW_SECONDS) {
    return signError('Http头Authorization中的timestamp与当前时间相差超过5分钟');
  }
  const message = requestSignatureMessage(
    request.method,
    request.url,
    parts.timestamp,
    parts.nonce_str,
    request.body,
  );
  if (!rsaVerify(message, parts.signature, credentials.publicKey)) {
    core.logger({ level: 'warn', msg: 'v3 signature mismatch', mch_id: merchant.mchId, message });
    return signError('签名错误，请检查后再试');
  }
  return { merchant, credentials };
}
