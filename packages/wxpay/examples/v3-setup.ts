/**
 * WeChat Pay APIv3: JSON, requests signed with the merchant's private key, replies and
 * notifications signed by WeChat and checked here, notification resources encrypted with the
 * 32-byte APIv3 key. One client does it all once it has the merchant's keys.
 */
import { readFileSync } from 'node:fs';
import { createV3PayClient } from '@fen/wxpay';
import type { SignedMessage, V3MiniProgramPayParams, V3PayClient, V3Transaction } from '@fen/wxpay';

export interface V3Settings {
  mchId: string;
  appId: string;
  /** `apiclient_key.pem`, and the serial of `apiclient_cert.pem` (uppercase hex). */
  privateKeyPem: string;
  merchantSerialNo: string;
  /** The 32-byte APIv3 key (not the APIv2 key). */
  apiV3Key: string;
  /**
   * Public-key mode: WeChat Pay's public key and its `PUB_KEY_ID_…`. Without it, platform
   * certificates are downloaded from `/v3/certificates` on first use.
   */
  wechatPayPublicKey?: { id: string; pem: string };
  /** Default `https://api.mch.weixin.qq.com`. */
  baseUrl?: string;
}

/** Settings from files, as a deployment keeps them. */
export function settingsFromFiles(files: {
  mchId: string;
  appId: string;
  keyPath: string;
  serialNo: string;
  apiV3Key: string;
}): V3Settings {
  return {
    mchId: files.mchId,
    appId: files.appId,
    privateKeyPem: readFileSync(files.keyPath, 'utf8'),
    merchantSerialNo: files.serialNo,
    apiV3Key: files.apiV3Key,
  };
}

/** The APIv3 client; its options are all checked here, once. Close it when done. */
export function createV3Client(settings: V3Settings): V3PayClient {
  return createV3PayClient({
    mchId: settings.mchId,
    appId: settings.appId,
    privateKey: settings.privateKeyPem,
    merchantSerialNo: settings.merchantSerialNo,
    apiV3Key: settings.apiV3Key,
    ...(settings.wechatPayPublicKey
      ? {
          wechatPayPublicKey: {
            id: settings.wechatPayPublicKey.id,
            key: settings.wechatPayPublicKey.pem,
          },
        }
      : {}),
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
  });
}

/** Mini-program pay on APIv3: prepay, then `wx.requestPayment(params)` (`signType: 'RSA'`). */
export async function miniProgramPayV3(
  client: V3PayClient,
  order: { outTradeNo: string; totalFen: number; description: string; notifyUrl: string },
  openid: string,
): Promise<V3MiniProgramPayParams> {
  const { prepay_id } = await client.prepayJsapi({
    description: order.description,
    out_trade_no: order.outTradeNo,
    notify_url: order.notifyUrl,
    amount: { total: order.totalFen, currency: 'CNY' },
    payer: { openid },
  });
  return client.miniProgramPayParams(prepay_id);
}

/**
 * An APIv3 payment notification: verified over the exact bytes received, then decrypted. Answer
 * 204 once it is recorded; any other answer makes WeChat retry.
 */
export async function paidTransaction(
  client: V3PayClient,
  request: SignedMessage,
): Promise<V3Transaction | undefined> {
  const notification = await client.parseNotification<V3Transaction>(request);
  return notification.event_type === 'TRANSACTION.SUCCESS' ? notification.resource : undefined;
}
