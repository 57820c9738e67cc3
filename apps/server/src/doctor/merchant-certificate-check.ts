import { createPayClient, isWxPayError } from '@fen/wxpay';
import type { WxPayError } from '@fen/wxpay';
import type { Config } from '../config.js';
import { certificateOwner } from './certificate-owner.js';
import type { CertificateOwner } from './certificate-owner.js';
import { fail, messageOf, ok } from './check.js';
import type { CheckResult } from './check.js';
import { madeUpNumber } from './made-up-numbers.js';
import { explainPayRefusal } from './pay-key-check.js';

export const CERTIFICATE_CHECK = 'merchant certificate (mutual TLS)';

const NEW_CERTIFICATE =
  "download this merchant's API certificate (pay.weixin.qq.com → 账户中心 → API安全 → API证书) and point WXPAY_CERT_P12_PATH (or WXPAY_CERT_PEM_PATH + WXPAY_KEY_PEM_PATH) at it";

/**
 * The merchant API certificate over mutual TLS. In APIv2 only `/secapi/…` asks for it, and of
 * those only the refund is harmless when asked about an order nobody made: WeChat answers
 * ORDERNOTEXIST and nothing is refunded or recorded. (refundquery would be read-only too, but it
 * is not a mutual-TLS call, so it would prove nothing about the certificate.) A certificate
 * WeChat did not issue fails the handshake (the sandbox answers 证书错误); one issued to another
 * mch_id is named from its CN.
 */
export async function checkMerchantCertificate(
  config: Config,
  timeoutMs: number,
): Promise<CheckResult> {
  const { pay, wx } = config;
  let owner: CertificateOwner | undefined;
  try {
    owner = certificateOwner(pay.certificate);
  } catch (err) {
    return fail(
      CERTIFICATE_CHECK,
      `the certificate cannot be read (${messageOf(err)}): ${NEW_CERTIFICATE}`,
    );
  }
  const described = owner
    ? `serial ${owner.serial}, CN ${owner.commonName ?? '(none)'}, issued by ${owner.issuer}`
    : 'unreadable';
  const otherMerchant =
    owner?.commonName !== undefined && owner.commonName !== pay.mchId
      ? `the certificate is issued to mch_id ${owner.commonName}, not to WXPAY_MCHID ${pay.mchId}`
      : undefined;
  const client = createPayClient({
    appId: wx.appId,
    mchId: pay.mchId,
    key: pay.key,
    signType: pay.signType,
    baseUrl: pay.apiBase,
    secapiBaseUrl: pay.secapiBase,
    certificate: pay.certificate,
    timeoutMs,
    ...(pay.ca ? { ca: pay.ca } : {}),
  });
  try {
    await client.refund({
      out_trade_no: madeUpNumber(),
      out_refund_no: madeUpNumber(),
      total_fee: '1',
      refund_fee: '1',
    });
    return fail(
      CERTIFICATE_CHECK,
      'a refund of a made-up out_trade_no was accepted: WXPAY_SECAPI_BASE is not answering as WeChat does',
    );
  } catch (err) {
    if (isWxPayError(err, 'ORDERNOTEXIST')) {
      if (otherMerchant) return fail(CERTIFICATE_CHECK, `${otherMerchant}: ${NEW_CERTIFICATE}`);
      return ok(
        CERTIFICATE_CHECK,
        `accepted by WeChat (${described}; expires ${owner?.validTo ?? '?'})`,
      );
    }
    if (isWxPayError(err) && isCertificateRefusal(err)) {
      const said = err.returnMsg ? `WeChat said "${err.returnMsg}"` : err.message;
      const why =
        otherMerchant ??
        `WeChat does not accept this certificate (${described}): it is not the one WeChat issued to mch_id ${pay.mchId}, or it was replaced`;
      return fail(CERTIFICATE_CHECK, `${why} (${said}): ${NEW_CERTIFICATE}`);
    }
    if (isWxPayError(err) && err.kind === 'protocol' && /签名|sign/i.test(err.returnMsg ?? '')) {
      // The handshake and the certificate passed; WeChat stopped at the key (its own line says so).
      if (otherMerchant) return fail(CERTIFICATE_CHECK, `${otherMerchant}: ${NEW_CERTIFICATE}`);
      return ok(
        CERTIFICATE_CHECK,
        `accepted over mutual TLS (${described}); the request itself was refused for its signature: see the API key line`,
      );
    }
    return fail(
      CERTIFICATE_CHECK,
      explainPayRefusal(err, {
        appId: wx.appId,
        mchId: pay.mchId,
        signType: pay.signType,
        base: 'WXPAY_SECAPI_BASE',
      }),
    );
  } finally {
    await client.close();
  }
}

/** WeChat's 证书错误 answer, or a handshake the other side cut (real WeChat refuses in TLS). */
function isCertificateRefusal(err: WxPayError): boolean {
  if (err.kind === 'protocol') return (err.returnMsg ?? '').includes('证书');
  if (err.kind !== 'transport' || err.code !== 'NETWORK' || isServerCertificateError(err))
    return false;
  return /alert|handshake|bad certificate|unknown ca|certificate required|socket hang up|ECONNRESET/i.test(
    err.message,
  );
}

/** This side could not verify the server's certificate: a trust problem, not the merchant's. */
function isServerCertificateError(err: WxPayError): boolean {
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code);
}
