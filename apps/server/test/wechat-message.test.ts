import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogCapture } from '@fen/test-support';
import { encryptMessagePush, messagePushSignature } from '@fen/wxpay';
import Koa from 'koa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessagePushSettings } from '../src/config.js';
import type { AppState } from '../src/http/context.js';
import { errorHandler } from '../src/http/error-handler.js';
import { createLogger } from '../src/logger.js';
import { wechatMessageRoutes } from '../src/routes/wechat-message.js';
import type { TradeEvent } from '../src/services/shipping-service.js';

// The message push endpoint on its own: what it verifies, what it hands on, and that `success`
// waits for the change to be stored. The whole flow with the sandbox: test/server/shipping.test.ts.

const TOKEN = 'pushtoken1';
const AES_KEY = 'Z'.repeat(43);
const APPID = 'wxfe00000000000001';
const NOW = 1_765_000_000;

const applied: TradeEvent[] = [];
let failApply = false;
const logs = new LogCapture();

async function listen(settings: MessagePushSettings): Promise<{ url: string; server: Server }> {
  const app = new Koa<AppState>();
  app.silent = true;
  app.use(errorHandler(createLogger('info', logs)));
  const router = wechatMessageRoutes({
    settings,
    appId: APPID,
    clock: { now: () => new Date(NOW * 1000) },
    async apply(event) {
      if (failApply) throw new Error('database down');
      applied.push(event);
    },
  });
  app.use(router.routes());
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let plain: { url: string; server: Server };
let safe: { url: string; server: Server };
beforeAll(async () => {
  plain = await listen({ token: TOKEN, mode: 'plain', maxAgeSeconds: 300 });
  safe = await listen({ token: TOKEN, mode: 'safe', encodingAesKey: AES_KEY, maxAgeSeconds: 300 });
});
afterAll(async () => {
  await Promise.all([plain, safe].map(({ server }) => new Promise((r) => server.close(r))));
});
beforeEach(() => {
  applied.length = 0;
  failApply = false;
});

const XML_EVENT = `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[trade_manage_order_settlement]]></Event><transaction_id><![CDATA[4200000001]]></transaction_id><settlement_time>${NOW}</settlement_time></xml>`;

async function post(base: string, body: string, query: Record<string, string>) {
  const res = await fetch(`${base}/wechat/message?${new URLSearchParams(query).toString()}`, {
    method: 'POST',
    body,
  });
  return { status: res.status, text: await res.text() };
}
const signed = (timestamp = NOW, token = TOKEN) => ({
  signature: messagePushSignature(token, String(timestamp), 'nonce1'),
  timestamp: String(timestamp),
  nonce: 'nonce1',
});

describe('the message push endpoint', () => {
  it('when a plain XML push is signed, then its fields are handed on and success answered', async () => {
    expect(await post(plain.url, XML_EVENT, signed())).toEqual({ status: 200, text: 'success' });
    expect(applied).toEqual([
      expect.objectContaining({
        Event: 'trade_manage_order_settlement',
        transaction_id: '4200000001',
        settlement_time: String(NOW),
      }),
    ]);
  });

  it('when storing fails, then the answer is not success (WeChat will retry)', async () => {
    failApply = true;
    const res = await post(plain.url, XML_EVENT, signed());
    expect(res.status).toBe(500);
    expect(res.text).not.toBe('success');
  });

  it('when the signature is wrong or the timestamp is stale, then it is refused before anything is handed on, and the body is not logged', async () => {
    expect((await post(plain.url, XML_EVENT, signed(NOW, 'another1'))).status).toBe(401);
    expect((await post(plain.url, XML_EVENT, signed(NOW - 301))).status).toBe(401);
    expect((await post(plain.url, XML_EVENT, signed(NOW + 301))).status).toBe(401);
    expect((await post(plain.url, XML_EVENT, {})).status).toBe(401);
    expect((await post(plain.url, 'not json', signed())).status).toBe(400);
    expect(applied).toEqual([]);
    expect(logs.text).toContain('message push refused');
    expect(logs.text).not.toContain('4200000001');
  });

  it('when a safe-mode push is encrypted for this app and signed over Encrypt, then it is read; tampered or unsigned, refused', async () => {
    const encrypt = encryptMessagePush(
      JSON.stringify({ Event: 'trade_manage_remind_shipping', transaction_id: '4200000002' }),
      AES_KEY,
      APPID,
    );
    const query = {
      timestamp: String(NOW),
      nonce: 'n2',
      encrypt_type: 'aes',
      msg_signature: messagePushSignature(TOKEN, String(NOW), 'n2', encrypt),
    };
    const body = JSON.stringify({ ToUserName: 'gh_1', Encrypt: encrypt });
    expect(await post(safe.url, body, query)).toEqual({ status: 200, text: 'success' });
    expect(applied).toEqual([
      { Event: 'trade_manage_remind_shipping', transaction_id: '4200000002' },
    ]);

    const tampered = JSON.stringify({ ToUserName: 'gh_1', Encrypt: `A${encrypt.slice(1)}` });
    expect((await post(safe.url, tampered, query)).status).toBe(401);
    const { encrypt_type: _aes, ...withoutAes } = query;
    expect((await post(safe.url, body, withoutAes)).status).toBe(401);
    expect((await post(safe.url, XML_EVENT, signed())).status).toBe(401);
    expect(applied).toHaveLength(1);
  });
});
