/**
 * APIv2 signing: sign a request's fields, write them as XML, read XML back and check its sign.
 * The key is the merchant's 32-character APIv2 key; it never leaves this process.
 */
import { canonicalStringV2, fromXml, signV2, toXml, verifyV2 } from '@fen/wxpay';
import type { SignType } from '@fen/wxpay';

/** `fields` plus their `sign`, as the XML body WeChat expects. */
export function signedXml(
  fields: Record<string, string>,
  key: string,
  signType: SignType = 'MD5',
): string {
  const withType = signType === 'MD5' ? fields : { ...fields, sign_type: signType };
  return toXml({ ...withType, sign: signV2(withType, key) });
}

/**
 * The fields of a signed XML body, once its sign is checked. A wrong sign throws, naming the
 * string that was signed (safe to log: it holds no key).
 */
export function verifiedFields(xml: string, key: string): Record<string, string> {
  const fields = fromXml(xml);
  if (!verifyV2(fields, key)) {
    throw new Error(`sign does not verify over: ${canonicalStringV2(fields)}`);
  }
  return fields;
}
