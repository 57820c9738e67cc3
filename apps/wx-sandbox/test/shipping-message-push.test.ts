import { afterEach, describe, expect, it } from 'vitest';
import { decryptMessagePush, encryptMessagePush, messagePushSignature } from '@fen/wxpay';
import { eventually, json } from './support/http.js';
import { decryptMessage, sortedSha1, startMessageReceiver } from './support/message-receiver.js';
import { expressUpload, paidOrder, shippingSandbox } from './support/shipping.js';
import { DEMO } from './support/wire.js';

/**
 * The official WXBizMsgCrypt sample (token `spamtest`, EncodingAESKey `abc…ABCDEFG`, appid
 * `wx2c2769f8efd9abc2`): its Encrypt value and msg_signature, as published with the SDK.
 */
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

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
async function setup() {
  const s = await shippingSandbox();
  const receiver = await startMessageReceiver();
  open.push(s.sandbox, receiver);
  const configure = (body: object) =>
    json(`${s.sandbox.url}/__sandbox/shipping/message-url`, {
      appid: DEMO.appId,
      url: receiver.url,
      ...body,
    });
  return { ...s, receiver, configure };
}

describe('message push crypto', () => {
  it('when the official sample is checked, then its msg_signature and plaintext come out (sandbox and test decoders agree)', () => {
    const o = OFFICIAL;
    expect(messagePushSignature(o.token, o.timestamp, o.nonce, o.encrypt)).toBe(o.msgSignature);
    // The sandbox signs and encrypts with @fen/wxpay's message-push; decrypted for the sample's
    // appid (any other appid is refused), it must agree with the test's own decoder.
    const ours = {
      message: decryptMessagePush(o.encrypt, o.encodingAesKey, o.appId),
      appId: o.appId,
    };
    expect(ours.message).toContain('<Content><![CDATA[abcdteT]]></Content>');
    expect(decryptMessage(o.encrypt, o.encodingAesKey)).toEqual(ours);
  });

  it('when a message is encrypted, then the test’s own decoder reads it back with the appid', () => {
    const text = JSON.stringify({ Event: 'trade_manage_order_settlement', msg: '发货'.repeat(40) });
    const encrypted = encryptMessagePush(text, OFFICIAL.encodingAesKey, DEMO.appId);
    expect(decryptMessage(encrypted, OFFICIAL.encodingAesKey)).toEqual({
      message: text,
      appId: DEMO.appId,
    });
  });
});

describe('pushes to the merchant’s message URL', () => {
  it('when the app is in safe mode with XML, then the body is {ToUserName, Encrypt}, msg_signature verifies and the plaintext is the event', async () => {
    const { sandbox, api, receiver, configure } = await setup();
    const key = 'Q'.repeat(43);
    const set = await configure({
      token: 'safeToken',
      mode: 'safe',
      format: 'xml',
      encoding_aes_key: key,
    });
    expect(set.body).toEqual({ appid: DEMO.appId, url: receiver.url, mode: 'safe', format: 'xml' });
    const paid = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, paid));
    const hit = await eventually(
      () =>
        receiver.hits.find((h) =>
          decryptMessage(/<Encrypt><!\[CDATA\[(.*?)\]\]>/.exec(h.body)![1]!, key).message.includes(
            'trade_manage_order_settlement',
          ),
        ),
      3000,
      'the settlement push',
    );
    const q = hit.query;
    const encrypted = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(hit.body)![1]!;
    expect(hit.body).toMatch(
      /^<xml><ToUserName><!\[CDATA\[gh_[0-9a-f]{12}\]\]><\/ToUserName><Encrypt>/,
    );
    expect(q.get('encrypt_type')).toBe('aes');
    expect(q.get('signature')).toBe(sortedSha1('safeToken', q.get('timestamp')!, q.get('nonce')!));
    expect(q.get('msg_signature')).toBe(
      sortedSha1('safeToken', q.get('timestamp')!, q.get('nonce')!, encrypted),
    );
    const { message, appId } = decryptMessage(encrypted, key);
    expect(appId).toBe(DEMO.appId);
    expect(message).toContain('<MsgType><![CDATA[event]]></MsgType>');
    expect(message).toContain(`<transaction_id><![CDATA[${paid.transactionId}]]></transaction_id>`);
    expect(message).toMatch(/<estimated_settlement_time>\d+<\/estimated_settlement_time>/);
  });

  it('when the message URL fails, then the push is retried three times and then given up; a success stops the retries', async () => {
    const { sandbox, api, receiver, configure } = await setup();
    await configure({ token: 'retryToken' });
    const settlementHits = () =>
      receiver.hits.filter((h) => h.body.includes('trade_manage_order_settlement'));
    receiver.respond = () => ({ status: 500, body: 'busy' });
    const failing = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, failing));
    const log = async (transactionId: string) =>
      (
        await json(
          `${sandbox.url}/__sandbox/shipping/messages?transaction_id=${transactionId}&event=trade_manage_order_settlement`,
        )
      ).body.messages[0];
    const gaveUp = await eventually(
      async () =>
        (await log(failing.transactionId)).state === 'GAVE_UP'
          ? log(failing.transactionId)
          : undefined,
      3000,
      'GAVE_UP',
    );
    expect(
      gaveUp.attempts.map((a: { result: string; http_status: number }) => [
        a.result,
        a.http_status,
      ]),
    ).toEqual(Array(4).fill(['FAIL', 500]));
    expect(settlementHits()).toHaveLength(4);
    // Each attempt is signed afresh, the message itself unchanged.
    expect(new Set(settlementHits().map((h) => h.query.get('nonce'))).size).toBe(4);
    expect(new Set(settlementHits().map((h) => h.body)).size).toBe(1);

    let calls = 0;
    receiver.respond = () =>
      ++calls <= 2 ? { status: 200, body: 'fail' } : { status: 200, body: 'success' };
    const recovering = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, recovering));
    const delivered = await eventually(
      async () =>
        (await log(recovering.transactionId)).state === 'DELIVERED'
          ? log(recovering.transactionId)
          : undefined,
      3000,
      'DELIVERED',
    );
    expect(delivered.attempts.map((a: { result: string }) => a.result)).toEqual([
      'FAIL',
      'FAIL',
      'SUCCESS',
    ]);
  });

  it('when no message URL is set, then the event is kept as NO_URL; bad settings are refused and secrets never shown', async () => {
    const { sandbox, api, configure } = await setup();
    expect((await configure({ token: 'ab' })).body.error.code).toBe('INVALID_MESSAGE_URL');
    expect((await configure({ token: 'goodToken', mode: 'safe' })).body.error.message).toContain(
      'encodingAesKey',
    );
    expect((await configure({ url: 'ftp://x', token: 'goodToken' })).status).toBe(400);
    expect(
      (
        await json(`${sandbox.url}/__sandbox/shipping/message-url`, {
          appid: 'wx0000000000000000',
          url: 'http://127.0.0.1:9/',
          token: 'goodToken',
        })
      ).status,
    ).toBe(400);
    await configure({ token: 'secretToken99', mode: 'safe', encoding_aes_key: 'Z'.repeat(43) });
    const shown = await json(`${sandbox.url}/__sandbox/shipping/message-url?appid=${DEMO.appId}`);
    expect(JSON.stringify(shown.body)).not.toMatch(/secretToken99|ZZZZ/);
    expect(
      (
        await json(`${sandbox.url}/__sandbox/shipping/message-url`, {
          appid: DEMO.appId,
          url: null,
        })
      ).status,
    ).toBe(200);
    const paid = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, paid));
    const messages = (
      await json(`${sandbox.url}/__sandbox/shipping/messages?transaction_id=${paid.transactionId}`)
    ).body.messages;
    expect(messages).toMatchObject([
      { event: 'trade_manage_order_settlement', state: 'NO_URL', attempts: [] },
    ]);
  });
});
