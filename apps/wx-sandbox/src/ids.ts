import { createHash, randomBytes, randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random characters from `alphabet` (default letters and digits). */
export function randomChars(length: number, alphabet = ALNUM): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

const digits = (length: number) => randomChars(length, '0123456789');

/** `yyyyMMddHHmmss` of a Beijing wall time as used inside WeChat's ids. */
type WxTime = string;

/** `wx` + yyyyMMddHHmmss + 20 characters: the shape of a real prepay_id (36 characters). */
export function newPrepayId(wxTime: WxTime): string {
  return `wx${wxTime}${randomBytes(10).toString('hex')}`;
}

/** A 28-digit transaction_id: `4200` + 6 digits + yyyyMMdd + 10 digits. */
export function newTransactionId(wxTime: WxTime): string {
  return `4200${digits(6)}${wxTime.slice(0, 8)}${digits(10)}`;
}

/** A 29-digit refund_id: `503` + 5 digits + yyyyMMdd + 13 digits. */
export function newRefundId(wxTime: WxTime): string {
  return `503${digits(5)}${wxTime.slice(0, 8)}${digits(13)}`;
}

/** A wx.login / OAuth code: 32 characters, like WeChat's. */
export const newCode = () => randomChars(32);

/** An access_token: long and opaque (WeChat asks callers to store at least 512 characters). */
export const newAccessToken = () => `${digits(2)}_${randomBytes(96).toString('base64url')}`;

/** A jsapi_ticket. */
export const newTicket = () => randomBytes(64).toString('base64url');

/** A session_key: base64 of 16 random bytes. */
export const newSessionKey = () => randomBytes(16).toString('base64');

/** The short code in a NATIVE code_url (`weixin://wxpay/bizpayurl?pr=…`). */
export const newCodeUrlToken = () => randomChars(7);

const hash = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * The openid of test user `user` in app `appId`: stable across sandbox restarts (a server's stored
 * users stay valid), different per appid like WeChat's, and checkable without state:
 * `o` + 20 characters for the user + 7 characters binding them to the appid (28 in all).
 */
export function openIdFor(appId: string, user: string): string {
  const userPart = hash(`fen-sandbox-user:${user}`).slice(0, 20);
  return `o${userPart}${appTag(appId, userPart)}`;
}

/** Whether `openid` is one the sandbox issues for `appId` (see {@link openIdFor}). */
export function isOpenIdOf(appId: string, openid: string): boolean {
  if (openid.length !== 28 || !openid.startsWith('o')) return false;
  const userPart = openid.slice(1, 21);
  return openid.slice(21) === appTag(appId, userPart);
}

/** The unionid of a user: the same for every app bound to the (one) sandbox open-platform account. */
export function unionIdFor(user: string): string {
  return `oU${hash(`fen-sandbox-union:${user}`).slice(0, 26)}`;
}

function appTag(appId: string, userPart: string): string {
  return hash(`fen-sandbox-openid:${appId}:${userPart}`).slice(0, 7);
}
