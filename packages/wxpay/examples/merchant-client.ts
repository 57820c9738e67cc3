/**
 * The APIv2 merchant client with its API certificate: refunds go to `/secapi/…` over mutual TLS,
 * so the client needs `apiclient_cert.p12` (its password is the mch_id, as WeChat issues it) or
 * the PEM pair. The options are checked at once: a wrong key, a certificate that does not open
 * or has expired is one error at start, not a surprise at the first refund.
 */
import { readFileSync } from 'node:fs';
import { createPayClient, isWxPayError } from '@fen/wxpay';
import type { PayClient } from '@fen/wxpay';

export interface MerchantSettings {
  appId: string;
  mchId: string;
  /** The 32-character APIv2 key. */
  key: string;
  /** Path of `apiclient_cert.p12`. */
  p12Path: string;
  /** Default `https://api.mch.weixin.qq.com`; a local stand-in's URL in development. */
  baseUrl?: string;
  /** Where `/secapi/…` goes, when not `baseUrl`. */
  secapiBaseUrl?: string;
  /** Extra CA to trust (a local stand-in's own TLS certificate). */
  ca?: string;
}

/** A client that can place, query, close and refund orders. Close it when done. */
export function createMerchantClient(settings: MerchantSettings): PayClient {
  return createPayClient({
    appId: settings.appId,
    mchId: settings.mchId,
    key: settings.key,
    certificate: { pfx: readFileSync(settings.p12Path) }, // passphrase: the mch_id
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    ...(settings.secapiBaseUrl ? { secapiBaseUrl: settings.secapiBaseUrl } : {}),
    ...(settings.ca ? { ca: settings.ca } : {}),
    timeoutMs: 10_000,
    retries: 1, // the same body again: WeChat sees one request, never two refunds
  });
}

/**
 * Refunds `refundFen` of a paid order. `outRefundNo` names the refund: sending it again after a
 * lost answer asks about the same refund, never a second one. `undefined` when WeChat says the
 * order was never paid.
 */
export async function refund(
  client: PayClient,
  refundOf: { outTradeNo: string; outRefundNo: string; totalFen: number; refundFen: number },
): Promise<string | undefined> {
  try {
    const reply = await client.refund({
      out_trade_no: refundOf.outTradeNo,
      out_refund_no: refundOf.outRefundNo,
      total_fee: String(refundOf.totalFen),
      refund_fee: String(refundOf.refundFen),
    });
    return reply.refund_id;
  } catch (err) {
    if (isWxPayError(err, 'ORDERNOTEXIST')) return undefined;
    throw err;
  }
}
