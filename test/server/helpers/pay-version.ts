import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { rsaVerify, signV2, v3PaySignMessage, verifyV2 } from '@fen/wxpay';
import { DEMO_CERTS_DIR, DEMO_MERCHANT } from '@fen/wx-sandbox';
import { isV3 } from './stack.js';

// What differs between the APIv2 and APIv3 runs of the same end-to-end tests: how the client
// parameters are signed, and the sandbox paths a fault is injected on.

/** The demo merchant's public key (apiclient_cert.pem): APIv3 pay signatures verify with it. */
const merchantPublicKey = createPublicKey(
  readFileSync(new URL('apiclient_cert.pem', DEMO_CERTS_DIR), 'utf8'),
);

interface PayParams {
  appId?: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

/**
 * True when `wx.requestPayment` / `getBrandWCPayRequest` parameters are signed as this run's
 * API wants: APIv2 `paySign` over the five fields with the APIv2 key; APIv3 `signType: 'RSA'`
 * over `appId\ntimeStamp\nnonceStr\npackage\n` with the merchant key.
 */
export function payParamsSigned(params: PayParams, appId: string): boolean {
  if (isV3) {
    return (
      params.signType === 'RSA' &&
      rsaVerify(
        v3PaySignMessage(appId, params.timeStamp, params.nonceStr, params.package),
        params.paySign,
        merchantPublicKey,
      )
    );
  }
  const { paySign, ...signed } = params;
  return paySign === signV2({ ...signed, appId }, DEMO_MERCHANT.key, params.signType as 'MD5');
}

/** The APP SDK's PayReq: APIv2 MD5 `sign`, or APIv3 RSA over appid/timestamp/noncestr/prepayid. */
export function appParamsSigned(params: Record<string, string>): boolean {
  if (!isV3) return verifyV2(params, DEMO_MERCHANT.key);
  const message = `${params.appid}\n${params.timestamp}\n${params.noncestr}\n${params.prepayid}\n`;
  return rsaVerify(message, params.sign ?? '', merchantPublicKey);
}

/** Sandbox paths for `systemError` faults: unifiedorder / refund, as this run's API calls them. */
export const faultPaths = isV3
  ? {
      unifiedOrder: ['/v3/pay/transactions/jsapi', '/v3/pay/transactions/app'],
      refund: ['/v3/refund/domestic/refunds'],
    }
  : { unifiedOrder: ['/pay/unifiedorder'], refund: ['/secapi/pay/refund'] };
