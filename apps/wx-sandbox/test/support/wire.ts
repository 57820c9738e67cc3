import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import { DEMO_MERCHANT } from '@fen/demo';

/**
 * An APIv2 signer and XML codec, written for tests after docs/protocol.md §2, node:crypto only —
 * independent of @fen/wxpay, which the sandbox itself uses — and itself checked against fixed
 * known answers (official doc vectors, python/openssl-computed demo-key values).
 */
export const DEMO = {
  appId: DEMO_MERCHANT.appId,
  secret: DEMO_MERCHANT.appSecret,
  mchId: DEMO_MERCHANT.mchId,
  key: DEMO_MERCHANT.key,
};

export type SignType = 'MD5' | 'HMAC-SHA256';

export function stringSignTemp(params: Record<string, string>, key: string): string {
  const names = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '' && params[k] !== undefined)
    .sort();
  return `${names.map((k) => `${k}=${params[k]}`).join('&')}&key=${key}`;
}

export function testSign(
  params: Record<string, string>,
  key = DEMO.key,
  type: SignType = 'MD5',
): string {
  const temp = stringSignTemp(params, key);
  const digest =
    type === 'MD5'
      ? createHash('md5').update(temp, 'utf8').digest('hex')
      : createHmac('sha256', key).update(temp, 'utf8').digest('hex');
  return digest.toUpperCase();
}

/** `<xml>` with every value in CDATA. */
export function testXml(params: Record<string, string>): string {
  return `<xml>${Object.entries(params)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
}

/** Flat `<xml>`/`<root>` → fields (CDATA or plain text). */
export function parseTestXml(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = /^\s*<(xml|root)>([\s\S]*)<\/\1>\s*$/.exec(xml)?.[2];
  if (body === undefined) throw new Error(`not a flat <xml> document: ${xml.slice(0, 200)}`);
  for (const m of body.matchAll(/<([A-Za-z0-9_]+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) {
    out[m[1]!] = m[2] ?? m[3] ?? '';
  }
  return out;
}

/** A request with nonce and sign added. */
export function signed(
  params: Record<string, string>,
  type: SignType = 'MD5',
  key = DEMO.key,
): Record<string, string> {
  const withNonce = {
    appid: DEMO.appId,
    mch_id: DEMO.mchId,
    nonce_str: Math.random().toString(36).slice(2, 14),
    ...(type === 'HMAC-SHA256' ? { sign_type: type } : {}),
    ...params,
  };
  return { ...withNonce, sign: testSign(withNonce, key, type) };
}

/** Whether a reply's sign is right for `type` (the reply carries no sign_type: the request's counts). */
export function replySignOk(
  reply: Record<string, string>,
  type: SignType = 'MD5',
  key = DEMO.key,
): boolean {
  return reply.sign === testSign(reply, key, type);
}

/** req_info: base64 → AES-256-ECB with key = lowercase hex md5(API key) [docs/protocol.md §4.2]. */
export function decryptReqInfo(reqInfo: string, apiKey = DEMO.key): string {
  const key = Buffer.from(createHash('md5').update(apiKey).digest('hex'), 'ascii');
  const decipher = createDecipheriv('aes-256-ecb', key, null);
  return Buffer.concat([
    decipher.update(Buffer.from(reqInfo, 'base64')),
    decipher.final(),
  ]).toString('utf8');
}
