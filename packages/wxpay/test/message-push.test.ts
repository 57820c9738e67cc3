import { describe, expect, it } from 'vitest';
import {
  decryptMessagePush,
  encryptMessagePush,
  messagePushSignature,
  verifyMessagePushSignature,
} from '../src/message-push.js';

/** The official WXBizMsgCrypt sample (token `spamtest`), as published with WeChat's SDK. */
const OFFICIAL = {
  token: 'spamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
};

describe('message push signature and safe mode', () => {
  it('when the official sample is checked, then its msg_signature verifies and its message decrypts for its appid', () => {
    const o = OFFICIAL;
    expect(messagePushSignature(o.token, o.timestamp, o.nonce, o.encrypt)).toBe(o.msgSignature);
    expect(
      verifyMessagePushSignature(o.msgSignature, o.token, o.timestamp, o.nonce, o.encrypt),
    ).toBe(true);
    expect(decryptMessagePush(o.encrypt, o.encodingAesKey, o.appId)).toContain(
      '<Content><![CDATA[abcdteT]]></Content>',
    );
  });

  it('when any signed part changes, then the signature no longer verifies', () => {
    const o = OFFICIAL;
    const args = [o.token, o.timestamp, o.nonce, o.encrypt] as const;
    expect(
      verifyMessagePushSignature(o.msgSignature, 'other', o.timestamp, o.nonce, o.encrypt),
    ).toBe(false);
    expect(
      verifyMessagePushSignature(o.msgSignature, o.token, '1409735670', o.nonce, o.encrypt),
    ).toBe(false);
    expect(
      verifyMessagePushSignature(o.msgSignature, o.token, o.timestamp, o.nonce, `${o.encrypt}x`),
    ).toBe(false);
    expect(verifyMessagePushSignature('', ...args)).toBe(false);
    // Plain mode signs token, timestamp and nonce only.
    const plain = messagePushSignature('tok', '1700000000', 'abc');
    expect(verifyMessagePushSignature(plain, 'tok', '1700000000', 'abc')).toBe(true);
    expect(verifyMessagePushSignature(plain.toUpperCase(), 'tok', '1700000000', 'abc')).toBe(true);
    expect(verifyMessagePushSignature(plain, 'tok', '1700000000', 'abd')).toBe(false);
  });

  it('when a message is encrypted, then it decrypts only for the same key and appid', () => {
    const key = 'Q'.repeat(43);
    const text = JSON.stringify({ Event: 'trade_manage_order_settlement', msg: '发货'.repeat(40) });
    const encrypted = encryptMessagePush(text, key, 'wxfe00000000000001');
    expect(decryptMessagePush(encrypted, key, 'wxfe00000000000001')).toBe(text);
    expect(() => decryptMessagePush(encrypted, key, 'wxfe00000000000002')).toThrow(
      /not for this appid/,
    );
    expect(() => decryptMessagePush(encrypted, 'R'.repeat(43), 'wxfe00000000000001')).toThrow();
    expect(() => decryptMessagePush('not-base64-blocks', key, 'wxfe00000000000001')).toThrow(
      /whole AES blocks/,
    );
    expect(() => decryptMessagePush(encrypted, 'short', 'wxfe00000000000001')).toThrow(/43 base64/);
  });
});
